#include "framework/abi/attention_variant_plugin.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>

#include "fmt/format.h"
#include "framework/abi/context_stairs.h"
#include "framework/abi/host_services.h"
#include "framework/abi/phase_catalog.h"
#include "framework/abi/phase_cost_check.h"
#include "framework/base/status_macros.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/attention_math.h"

namespace infercost::framework {
namespace {

struct SinkState {
  std::string_view plugin_name;
  int64_t tensor_parallel = 1;  // the stage's: no record is repeated on more GPUs than that
  std::vector<ic_phase_cost>& phases;
  absl::Status first_error;
  ic_error* issued = nullptr;  // the error handed to the plugin for the first bad record
};

// A record of a working plugin (every one on the hot path): well formed, an attention phase,
// its weights held by no more GPUs than the group has. Decided inline, without a Status.
bool Acceptable(const ic_phase_cost& cost, int64_t tensor_parallel) {
  return sdk::PhaseRecordValid(cost) && sdk::IsAttentionPhase(cost.phase) &&
         (!IC_HAS_FIELD(&cost, ic_phase_cost, weight_copies) ||
          cost.weight_copies <= static_cast<double>(tensor_parallel));
}

// Appends what the plugin's record holds: fields of newer minors are ignored, those it predates
// (1.2's weight_copies for a 1.0 or 1.1 record) stay zero.
void Append(const ic_phase_cost& cost, std::vector<ic_phase_cost>& phases) {
  if (cost.struct_size >= sizeof(ic_phase_cost)) [[likely]] {
    phases.push_back(cost);  // the common case: a fixed-size copy
  } else {
    std::memcpy(&phases.emplace_back(), &cost, cost.struct_size);  // the rest stays zero
  }
  phases.back().struct_size = sizeof(ic_phase_cost);
}

ic_error* Collect(void* context, const ic_phase_cost* cost) {
  auto* state = static_cast<SinkState*>(context);
  if (cost != nullptr && Acceptable(*cost, state->tensor_parallel)) [[likely]] {
    Append(*cost, state->phases);
    return nullptr;
  }
  // What is wrong with it, in the order the checks are documented.
  absl::Status status = cost == nullptr ? absl::InvalidArgumentError("null phase record")
                                        : CheckPhaseCost(*cost, state->plugin_name);
  if (status.ok() && IC_HAS_FIELD(cost, ic_phase_cost, weight_copies) &&
      cost->weight_copies > static_cast<double>(state->tensor_parallel)) {
    status = absl::InvalidArgumentError(fmt::format(
        "attention variant {} says the weights of phase {} are held by weight_copies = {} GPUs, "
        "more than the tensor-parallel group's {}; weight_copies counts the group's GPUs that "
        "keep the same weights",
        state->plugin_name, PhaseName(cost->phase), cost->weight_copies, state->tensor_parallel));
  }
  if (status.ok() && !sdk::IsAttentionPhase(cost->phase)) {
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
  Append(*cost, state->phases);  // (not reached: Acceptable and the checks above agree)
  return nullptr;
}

// Reads option i of the shape (the host built them at its own size).
const ic_option& OptionAt(const ic_attention_shape& shape, uint64_t i) {
  return *reinterpret_cast<const ic_option*>(reinterpret_cast<const char*>(shape.options) +
                                             i * shape.option_size);
}

std::string_view View(ic_string s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}

// ABI 1.0 shape fields an option of the same name fills for a 1.0 plugin.
int64_t* LegacyShapeField(ic_attention_shape& shape, std::string_view name) {
  if (name == "q_lora_rank") return &shape.q_lora_rank;
  if (name == "kv_lora_rank") return &shape.kv_lora_rank;
  if (name == "qk_nope_head_dim") return &shape.qk_nope_head_dim;
  if (name == "qk_rope_head_dim") return &shape.qk_rope_head_dim;
  if (name == "v_head_dim") return &shape.v_head_dim;
  return nullptr;
}
constexpr std::string_view kLegacyFormOption = "mla_form";

}  // namespace

AttentionVariantPlugin::AttentionVariantPlugin(std::shared_ptr<const LoadedPlugin> plugin)
    : plugin_(std::move(plugin)),
      table_(static_cast<const ic_attention_variant_table*>(plugin_->info().kind_table)) {
  legacy_ = plugin_->info().abi_minor < 1;
  has_classify_layer_ = IC_HAS_FIELD(table_, ic_attention_variant_table, classify_layer) &&
                        table_->classify_layer != nullptr;
  has_kv_state_bytes_ = IC_HAS_FIELD(table_, ic_attention_variant_table, kv_state_bytes) &&
                        table_->kv_state_bytes != nullptr;
  // (not those its conformance probe found false: the loader warned)
  has_decode_breaks_ = IC_HAS_FIELD(table_, ic_attention_variant_table, decode_breaks) &&
                       table_->decode_breaks != nullptr &&
                       !plugin_->FailedProbeCheck(kDecodeBreaksProbeCheck);
}

absl::StatusOr<bool> AttentionVariantPlugin::DecodeBreaks(const ic_attention_shape& shape,
                                                          const ic_stage& stage,
                                                          int64_t first_context,
                                                          int64_t last_context,
                                                          DeclaredStairs& stairs) const {
  stairs.clear();
  if (!has_decode_breaks_) return false;
  stairs.resize(kMostDeclaredStaircases);
  int64_t count = IC_BREAKS_UNKNOWN;
  {
    auto lock = plugin_->LockIfNeeded();
    ic_error* error = table_->decode_breaks(plugin_->instance(), &shape, &stage, first_context,
                                            last_context, stairs.data(), stairs.size(), &count);
    absl::Status status = ConsumeErrorLazy(
        error, [&] { return fmt::format("attention variant {} (decode_breaks)", name()); });
    if (!status.ok()) {
      stairs.clear();
      return status;
    }
  }
  return TakeDeclaredStairs("attention variant", name(), count, stairs);
}

AttentionVariantPlugin::LegacyInputs AttentionVariantPlugin::Legacy(const ic_attention_shape& shape,
                                                                    const ic_stage* stage) const {
  LegacyInputs in{shape, stage != nullptr ? *stage : ic_stage{}};
  for (uint64_t i = 0; i < shape.option_count; ++i) {
    const ic_option& option = OptionAt(shape, i);
    if (int64_t* field = LegacyShapeField(in.shape, View(option.name));
        field != nullptr && option.type == IC_VALUE_INT) {
      *field = option.int_value;
    } else if (View(option.name) == kLegacyFormOption && option.type == IC_VALUE_STRING) {
      const std::string_view form = View(option.string_value);
      in.stage.mla_form = form == "decompress" ? IC_MLA_FORM_DECOMPRESS
                          : form == "absorbed" ? IC_MLA_FORM_ABSORBED
                          : form == "default"  ? IC_MLA_FORM_DEFAULT
                                               : -1;  // the plugin rejects it
    }
  }
  // The layer's window, as the 1.0 host passed it (the SDK's rule: none on a full_attention
  // layer).
  if (stage != nullptr) in.shape.sliding_window = sdk::attention_math::LayerWindow(shape, *stage);
  return in;
}

absl::Status AttentionVariantPlugin::Validate(const ic_attention_shape& shape,
                                              int64_t tensor_parallel) const {
  const auto context = [&] { return fmt::format("attention variant {}", name()); };
  if (legacy_) {
    LegacyInputs in = Legacy(shape, nullptr);
    for (uint64_t i = 0; i < shape.option_count; ++i) {
      const ic_option& option = OptionAt(shape, i);
      ic_attention_shape probe = shape;
      const bool maps =
          (LegacyShapeField(probe, View(option.name)) != nullptr && option.type == IC_VALUE_INT) ||
          (View(option.name) == kLegacyFormOption && option.type == IC_VALUE_STRING);
      if (!maps) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: option {} ({}) cannot reach it: the plugin was built against ABI 1.0, which has "
            "no variant options beyond the MLA fields; rebuild it against SDK 1.1 or drop the "
            "option",
            context(), View(option.name), View(option.source)));
      }
    }
    auto lock = plugin_->LockIfNeeded();
    return ConsumeErrorLazy(table_->validate(plugin_->instance(), &in.shape, tensor_parallel),
                            context);
  }
  auto lock = plugin_->LockIfNeeded();
  return ConsumeErrorLazy(table_->validate(plugin_->instance(), &shape, tensor_parallel), context);
}

absl::StatusOr<uint64_t> AttentionVariantPlugin::ClassifyLayer(const ic_attention_shape& shape,
                                                               const ic_layer& layer) const {
  if (!has_classify_layer_) {
    return sdk::LayerKindClass(View(layer.kind));  // one class per layer kind
  }
  uint64_t layer_class = 0;
  auto lock = plugin_->LockIfNeeded();
  RETURN_IF_ERROR(ConsumeErrorLazy(
      table_->classify_layer(plugin_->instance(), &shape, &layer, &layer_class),
      [&] { return fmt::format("attention variant {}, layer {}", name(), layer.index); }));
  return layer_class;
}

absl::StatusOr<double> AttentionVariantPlugin::KvCacheBytesPerToken(const ic_attention_shape& shape,
                                                                    const ic_stage& stage) const {
  double bytes = -1;
  {
    const LegacyInputs in = legacy_ ? Legacy(shape, &stage) : LegacyInputs{shape, stage};
    auto lock = plugin_->LockIfNeeded();
    absl::Status status = ConsumeErrorLazy(
        table_->kv_cache_bytes_per_token(plugin_->instance(), &in.shape, &in.stage, &bytes),
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

absl::StatusOr<double> AttentionVariantPlugin::KvStateBytes(const ic_attention_shape& shape,
                                                            const ic_stage& stage) const {
  if (!has_kv_state_bytes_) {
    // The 1.0 rule: a windowed layer keeps its last `window` tokens, every other layer all.
    ASSIGN_OR_RETURN(double per_token, KvCacheBytesPerToken(shape, stage));
    const int64_t window = Legacy(shape, &stage).shape.sliding_window;
    const int64_t kept = window > 0 ? std::min(stage.context_tokens, window) : stage.context_tokens;
    return per_token * static_cast<double>(kept);
  }
  double bytes = -1;
  {
    auto lock = plugin_->LockIfNeeded();
    RETURN_IF_ERROR(
        ConsumeErrorLazy(table_->kv_state_bytes(plugin_->instance(), &shape, &stage, &bytes),
                         [&] { return fmt::format("attention variant {}", name()); }));
  }
  if (!std::isfinite(bytes) || bytes < 0) {
    return absl::InternalError(fmt::format(
        "attention variant {} returned {} bytes of KV/state per sequence; must be finite and >= 0",
        name(), bytes));
  }
  return bytes;
}

absl::StatusOr<std::vector<ic_phase_cost>> AttentionVariantPlugin::Phases(
    const ic_attention_shape& shape, const ic_stage& stage) const {
  std::vector<ic_phase_cost> phases;
  RETURN_IF_ERROR(PhasesInto(shape, stage, phases));
  return phases;
}

absl::Status AttentionVariantPlugin::PhasesInto(const ic_attention_shape& shape,
                                                const ic_stage& stage,
                                                std::vector<ic_phase_cost>& phases) const {
  phases.clear();
  phases.reserve(12);  // a layer's attention records, in one allocation (none when reused)
  SinkState state{name(), stage.tensor_parallel, phases, absl::OkStatus()};
  ic_phase_sink sink{sizeof(ic_phase_sink), 0, &state, &Collect};
  absl::Status status;
  {
    // (a 1.0 plugin's inputs rewritten; the host's own passed as they are, not copied)
    LegacyInputs legacy;
    if (legacy_) legacy = Legacy(shape, &stage);
    const ic_attention_shape& in_shape = legacy_ ? legacy.shape : shape;
    const ic_stage& in_stage = legacy_ ? legacy.stage : stage;
    auto lock = plugin_->LockIfNeeded();
    ic_error* returned = table_->emit_phases(plugin_->instance(), &in_shape, &in_stage, &sink);
    if (state.issued != nullptr && returned != state.issued) {
      ConsumeError(state.issued, "").IgnoreError();  // the plugin dropped it; free it here
    }
    status =
        ConsumeErrorLazy(returned, [&] { return fmt::format("attention variant {}", name()); });
  }
  // A plugin that ignored a rejected record still fails.
  if (!state.first_error.ok()) status = state.first_error;
  if (!status.ok()) phases.clear();
  return status;
}

}  // namespace infercost::framework
