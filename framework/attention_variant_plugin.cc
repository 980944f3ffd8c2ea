#include "framework/attention_variant_plugin.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "fmt/format.h"
#include "framework/host_services.h"
#include "framework/phase_catalog.h"
#include "framework/phase_cost_check.h"

namespace infercost::framework {
namespace {

struct SinkState {
  std::string_view plugin_name;
  std::vector<ic_phase_cost> phases;
  absl::Status first_error;
  ic_error* issued = nullptr;  // the error handed to the plugin for the first bad record
};

ic_error* Collect(void* context, const ic_phase_cost* cost) {
  auto* state = static_cast<SinkState*>(context);
  absl::Status status = cost == nullptr ? absl::InvalidArgumentError("null phase record")
                                        : CheckPhaseCost(*cost, state->plugin_name);
  if (status.ok() && !IsAttentionPhase(cost->phase)) {
    status = absl::InvalidArgumentError(
        fmt::format("attention variant {} emitted phase {}, which is not an attention phase",
                    state->plugin_name, PhaseName(cost->phase)));
  }
  if (!status.ok()) {
    if (state->first_error.ok()) {
      state->first_error = status;
      state->issued =
          MakeHostError(static_cast<ic_status_code>(status.code()), std::string(status.message()));
      return state->issued;
    }
    return MakeHostError(static_cast<ic_status_code>(status.code()), std::string(status.message()));
  }
  ic_phase_cost copy{};
  std::memcpy(&copy, cost, sizeof(ic_phase_cost));  // ignore fields of newer minors
  copy.struct_size = sizeof(ic_phase_cost);
  state->phases.push_back(copy);
  return nullptr;
}

}  // namespace

AttentionVariantPlugin::AttentionVariantPlugin(std::shared_ptr<const LoadedPlugin> plugin)
    : plugin_(std::move(plugin)),
      table_(static_cast<const ic_attention_variant_table*>(plugin_->info().kind_table)) {}

absl::Status AttentionVariantPlugin::Validate(const ic_attention_shape& shape,
                                              int64_t tensor_parallel) const {
  auto lock = plugin_->LockIfNeeded();
  return ConsumeErrorLazy(table_->validate(plugin_->instance(), &shape, tensor_parallel),
                          [&] { return fmt::format("attention variant {}", name()); });
}

absl::StatusOr<double> AttentionVariantPlugin::KvCacheBytesPerToken(const ic_attention_shape& shape,
                                                                    const ic_stage& stage) const {
  double bytes = -1;
  {
    auto lock = plugin_->LockIfNeeded();
    absl::Status status = ConsumeErrorLazy(
        table_->kv_cache_bytes_per_token(plugin_->instance(), &shape, &stage, &bytes),
        [&] { return fmt::format("attention variant {}", name()); });
    if (!status.ok()) return status;
  }
  if (!std::isfinite(bytes) || bytes < 0) {
    return absl::InternalError(fmt::format(
        "attention variant {} returned {} KV-cache bytes per token; must be finite and >= 0",
        name(), bytes));
  }
  return bytes;
}

absl::StatusOr<std::vector<ic_phase_cost>> AttentionVariantPlugin::Phases(
    const ic_attention_shape& shape, const ic_stage& stage) const {
  SinkState state{name(), {}, absl::OkStatus()};
  state.phases.reserve(12);
  ic_phase_sink sink{sizeof(ic_phase_sink), 0, &state, &Collect};
  absl::Status status;
  {
    auto lock = plugin_->LockIfNeeded();
    ic_error* returned = table_->emit_phases(plugin_->instance(), &shape, &stage, &sink);
    if (state.issued != nullptr && returned != state.issued) {
      ConsumeError(state.issued, "").IgnoreError();  // the plugin dropped it; free it here
    }
    status =
        ConsumeErrorLazy(returned, [&] { return fmt::format("attention variant {}", name()); });
  }
  // A plugin that ignored a rejected record still fails.
  if (!state.first_error.ok()) return state.first_error;
  if (!status.ok()) return status;
  return std::move(state.phases);
}

}  // namespace infercost::framework
