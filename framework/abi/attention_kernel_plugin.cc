#include "framework/abi/attention_kernel_plugin.h"

#include <cstring>
#include <string_view>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "framework/abi/context_stairs.h"
#include "framework/abi/host_services.h"
#include "framework/abi/phase_catalog.h"
#include "framework/abi/phase_cost_check.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/attention_math.h"

namespace infercost::framework {

AttentionKernelPlugin::AttentionKernelPlugin(std::shared_ptr<const LoadedPlugin> plugin)
    : plugin_(std::move(plugin)),
      table_(static_cast<const ic_attention_kernel_table*>(plugin_->info().kind_table)) {
  has_rewrite_phases_ = IC_HAS_FIELD(table_, ic_attention_kernel_table, rewrite_phases) &&
                        table_->rewrite_phases != nullptr;
  // (not those its conformance probe found false: the loader warned)
  has_decode_breaks_ = IC_HAS_FIELD(table_, ic_attention_kernel_table, decode_breaks) &&
                       table_->decode_breaks != nullptr &&
                       !plugin_->FailedProbeCheck(kDecodeBreaksProbeCheck);
}

absl::StatusOr<bool> AttentionKernelPlugin::DecodeBreaks(
    const ic_attention_shape& shape, const ic_stage& stage, const ic_kernel_device& device,
    int64_t first_context, int64_t last_context, DeclaredStairs& stairs) const {
  stairs.clear();
  if (!has_decode_breaks_) return false;
  stairs.resize(kMostDeclaredStaircases);
  int64_t count = IC_BREAKS_UNKNOWN;
  {
    auto lock = plugin_->LockIfNeeded();
    ic_error* error =
        table_->decode_breaks(plugin_->instance(), &shape, &stage, &device, first_context,
                              last_context, stairs.data(), stairs.size(), &count);
    absl::Status status = ConsumeErrorLazy(
        error, [&] { return fmt::format("attention kernel {} (decode_breaks)", name()); });
    if (!status.ok()) {
      stairs.clear();
      return status;
    }
  }
  return TakeDeclaredStairs("attention kernel", name(), count, stairs);
}

absl::Status AttentionKernelPlugin::RewriteTraffic(const ic_attention_shape& shape,
                                                   const ic_stage& stage,
                                                   const ic_kernel_device& device,
                                                   std::vector<ic_phase_cost>& phases) const {
  // What the kernel may not change, kept to compare (on the stack for a layer's few records).
  const absl::InlinedVector<ic_phase_cost, 16> before(phases.begin(), phases.end());
  // A 1.0 kernel reads the window from the shape: the layer's window, as the 1.0 host passed it
  // (the SDK's rule: none on a full_attention layer); 1.1 kernels read the layer themselves.
  ic_attention_shape legacy_shape;
  const ic_attention_shape* shape_for_plugin = &shape;
  if (plugin_->info().abi_minor < 1) {
    legacy_shape = shape;
    legacy_shape.sliding_window = sdk::attention_math::LayerWindow(shape, stage);
    shape_for_plugin = &legacy_shape;
  }
  {
    auto lock = plugin_->LockIfNeeded();
    // ABI 1.1: the array with its element size; 1.0 kernels get the plain array of 1.0-size
    // records (copied in and out: this host's records are larger).
    ic_error* error = nullptr;
    if (has_rewrite_phases_) {
      error = table_->rewrite_phases(plugin_->instance(), shape_for_plugin, &stage, &device,
                                     phases.data(), phases.size(), sizeof(ic_phase_cost));
    } else {
      std::vector<char> packed = sdk::PackPhasesV1_0(phases);
      error =
          table_->rewrite_traffic(plugin_->instance(), shape_for_plugin, &stage, &device,
                                  reinterpret_cast<ic_phase_cost*>(packed.data()), phases.size());
      sdk::UnpackPhasesV1_0(packed, phases);
    }
    absl::Status status =
        ConsumeErrorLazy(error, [&] { return fmt::format("attention kernel {}", name()); });
    if (!status.ok()) {
      phases.assign(before.begin(), before.end());
      return status;
    }
  }
  for (size_t i = 0; i < phases.size(); ++i) {
    ic_phase_cost& after = phases[i];
    after.struct_size = sizeof(ic_phase_cost);
    // A record the kernel left as it was is the variant's, checked when it was emitted
    // (ic_phase_cost has no padding: equal bytes are equal fields).
    if (std::memcmp(&after, &before[i], sizeof(ic_phase_cost)) == 0) continue;
    const bool unchanged = after.phase == before[i].phase && after.params == before[i].params &&
                           after.matrix_flops == before[i].matrix_flops &&
                           after.vector_flops == before[i].vector_flops &&
                           after.weight_bytes == before[i].weight_bytes &&
                           after.weight_copies == before[i].weight_copies;
    if (unchanged && sdk::PhaseRecordValid(after)) [[likely]] {
      continue;  // a working kernel's record: no Status built
    }
    absl::Status status = CheckPhaseCost(after, name());
    if (status.ok() && !unchanged) {
      status =
          absl::InternalError(fmt::format("attention kernel {} changed the phase id, params, "
                                          "FLOPs, weight bytes or weight copies of "
                                          "phase {}; "
                                          "a kernel may only rewrite KV and activation traffic",
                                          name(), PhaseName(before[i].phase)));
    }
    if (!status.ok()) {
      phases.assign(before.begin(), before.end());
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace infercost::framework
