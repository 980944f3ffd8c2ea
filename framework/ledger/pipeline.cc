#include "framework/ledger/pipeline.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/builtin_phases.h"
#include "framework/ledger/cost_math.h"
#include "framework/phase_catalog.h"

namespace infercost::framework {
namespace {

void SortForDisplay(std::vector<ic_phase_cost>& phases) {
  std::stable_sort(phases.begin(), phases.end(),
                   [](const ic_phase_cost& a, const ic_phase_cost& b) {
                     return PhaseDisplayRank(a.phase) < PhaseDisplayRank(b.phase);
                   });
}

ic_phase_cost Sum(const std::vector<ic_phase_cost>& phases) {
  ic_phase_cost total = ZeroCost(IC_PHASE_TOKEN_IDS);
  for (const ic_phase_cost& cost : phases) AddScaled(total, cost, 1);
  total.gemm_m = total.gemm_n = total.gemm_k = total.gemm_count = 0;
  return total;
}

// Adds `times` x `cost` to the record of the same phase in `phases` (appending one if new).
void Accumulate(std::vector<ic_phase_cost>& phases, const ic_phase_cost& cost, double times) {
  for (ic_phase_cost& existing : phases) {
    if (existing.phase == cost.phase) {
      AddScaled(existing, cost, times);
      return;
    }
  }
  ic_phase_cost fresh = ZeroCost(cost.phase);
  AddScaled(fresh, cost, times);
  phases.push_back(fresh);
}

}  // namespace

const ic_phase_cost* StageLedger::Find(ic_phase_id phase) const {
  for (const ic_phase_cost& cost : phases) {
    if (cost.phase == phase) return &cost;
  }
  return nullptr;
}

ic_attention_shape AttentionShapeOf(const registry::Model& model) {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(ic_attention_shape);
  shape.flags = model.attention_bias ? static_cast<uint32_t>(IC_ATTENTION_FLAG_QKV_BIAS) : 0u;
  shape.hidden_size = model.hidden_size;
  shape.num_heads = model.num_attention_heads;
  shape.num_kv_heads = model.num_kv_heads;
  shape.head_dim = model.head_dim;
  shape.v_head_dim = model.mla ? model.mla->v_head_dim : model.head_dim;
  if (model.mla) {
    shape.q_lora_rank = model.mla->q_lora_rank;
    shape.kv_lora_rank = model.mla->kv_lora_rank;
    shape.qk_nope_head_dim = model.mla->qk_nope_head_dim;
    shape.qk_rope_head_dim = model.mla->qk_rope_head_dim;
  }
  shape.sliding_window = model.sliding_window;
  return shape;
}

Pipeline::Pipeline(Scenario scenario, AttentionVariantPlugin variant, AttentionKernelPlugin kernel)
    : scenario_(std::move(scenario)), variant_(std::move(variant)), kernel_(std::move(kernel)) {
  const registry::Model& model = scenario_.model;
  shape_ = AttentionShapeOf(model);
  device_ = ic_kernel_device{sizeof(ic_kernel_device), 0, scenario_.hardware.onchip_memory_bytes,
                             scenario_.hardware.l2_cache_bytes, scenario_.hardware.compute_units};
  precision_ = Precision{scenario_.weights.bytes_per_element,
                         scenario_.activations.bytes_per_element, scenario_.kv.bytes_per_element};
  // Layers sharing FFN kind and attention window share one per-layer cost.
  const bool hybrid = !model.sliding_layers.empty();
  for (int64_t layer = 0; layer < model.num_layers; ++layer) {
    const bool moe = registry::IsMoeLayer(model, layer);
    const int64_t window = registry::LayerWindow(model, layer);
    auto same = std::find_if(layer_kinds_.begin(), layer_kinds_.end(), [&](const LayerKind& k) {
      return k.moe == moe && k.sliding_window == window;
    });
    if (same != layer_kinds_.end()) {
      ++same->layers;
      continue;
    }
    std::string name = moe ? "moe" : "dense";
    if (hybrid) name += window > 0 ? "-sliding" : "-full";
    layer_kinds_.push_back({name, 1, moe, window});
  }
}

absl::StatusOr<Pipeline> Pipeline::Create(const Scenario& scenario, const PluginSet& plugins) {
  ASSIGN_OR_RETURN(auto variant,
                   plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, scenario.attention_variant));
  ASSIGN_OR_RETURN(auto kernel,
                   plugins.Find(IC_PLUGIN_KIND_ATTENTION_KERNEL, scenario.attention_kernel));
  Pipeline pipeline(scenario, AttentionVariantPlugin(std::move(variant)),
                    AttentionKernelPlugin(std::move(kernel)));
  if (absl::Status status = pipeline.variant_.Validate(pipeline.shape_, 1); !status.ok()) {
    return absl::InvalidArgumentError(fmt::format("model {} ({}): {}", scenario.model.name,
                                                  scenario.model.source,
                                                  std::string(status.message())));
  }
  if (absl::Status status = pipeline.variant_.Validate(pipeline.shape_, scenario.tensor_parallel);
      !status.ok()) {
    return absl::InvalidArgumentError(fmt::format("tensor parallel {} does not fit {}: {}",
                                                  scenario.tensor_parallel, scenario.model.name,
                                                  std::string(status.message())));
  }
  return pipeline;
}

ic_stage Pipeline::StageOf(const Step& step) const {
  ic_stage stage{};
  stage.struct_size = sizeof(ic_stage);
  stage.kind = step.kind;
  stage.batch = step.batch;
  stage.query_tokens = step.query_tokens;
  stage.context_tokens = step.context_tokens;
  stage.weight_dtype = scenario_.weights.id;
  stage.activation_dtype = scenario_.activations.id;
  stage.kv_dtype = scenario_.kv.id;
  stage.mla_form = scenario_.mla_form;
  stage.weight_bytes_per_element = precision_.weight;
  stage.activation_bytes_per_element = precision_.activation;
  stage.kv_bytes_per_element = precision_.kv;
  stage.tensor_parallel = step.tensor_parallel;
  return stage;
}

absl::StatusOr<std::vector<ic_phase_cost>> Pipeline::AttentionPhases(const Step& step,
                                                                     int64_t sliding_window) const {
  const ic_stage stage = StageOf(step);
  ic_attention_shape shape = shape_;
  shape.sliding_window = sliding_window;
  ASSIGN_OR_RETURN(std::vector<ic_phase_cost> phases, variant_.Phases(shape, stage));
  RETURN_IF_ERROR(kernel_.RewriteTraffic(shape, stage, device_, phases));
  return phases;
}

absl::StatusOr<std::vector<AttentionSlice>> Pipeline::AttentionByWindow(const Step& step) const {
  std::vector<AttentionSlice> slices;
  for (const LayerKind& kind : layer_kinds_) {
    auto same = std::find_if(slices.begin(), slices.end(), [&](const AttentionSlice& slice) {
      return slice.sliding_window == kind.sliding_window;
    });
    if (same != slices.end()) {
      same->layers += kind.layers;
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<ic_phase_cost> phases, AttentionPhases(step, kind.sliding_window));
    slices.push_back({kind.layers, kind.sliding_window, std::move(phases)});
  }
  return slices;
}

absl::StatusOr<LayerGroup> Pipeline::EvaluateLayer(
    const LayerKind& kind, const Step& step, const std::vector<ic_phase_cost>& attention) const {
  const registry::Model& model = scenario_.model;
  LayerGroup group;
  group.name = kind.name;
  group.layers = kind.layers;
  group.phases.push_back(NormPhase(IC_PHASE_ATTN_NORM, model, step, precision_));
  group.phases.insert(group.phases.end(), attention.begin(), attention.end());
  // Parallel attention (Falcon) feeds attention and FFN from one norm.
  if (!model.parallel_attention) {
    group.phases.push_back(NormPhase(IC_PHASE_FFN_NORM, model, step, precision_));
  }
  if (step.tensor_parallel > 1) {
    group.phases.push_back(AllReducePhase(IC_PHASE_ATTN_ALL_REDUCE, model, step, precision_));
    // MoE layers with expert all-to-alls combine their outputs there instead.
    if (!(kind.moe && UsesExpertAllToAll(step))) {
      group.phases.push_back(AllReducePhase(IC_PHASE_FFN_ALL_REDUCE, model, step, precision_));
    }
  }
  std::vector<ic_phase_cost> ffn =
      kind.moe ? MoeFfnPhases(model, step, precision_)
               : DenseFfnPhases(model, model.intermediate_size, step, precision_);
  group.phases.insert(group.phases.end(), ffn.begin(), ffn.end());
  SortForDisplay(group.phases);
  group.totals = Sum(group.phases);
  return group;
}

absl::StatusOr<StageLedger> Pipeline::Evaluate(const Step& step) const {
  if (step.batch <= 0 || step.query_tokens <= 0 || step.context_tokens < step.query_tokens ||
      step.tensor_parallel <= 0) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid step: batch = {}, query tokens = {}, context tokens = {}, tensor parallel = {} "
        "(need batch >= 1, query tokens >= 1, context >= query tokens, tensor parallel >= 1)",
        step.batch, step.query_tokens, step.context_tokens, step.tensor_parallel));
  }
  const registry::Model& model = scenario_.model;
  StageLedger ledger;
  ledger.step = step;
  ASSIGN_OR_RETURN(std::vector<AttentionSlice> attention, AttentionByWindow(step));
  for (const LayerKind& kind : layer_kinds_) {
    const auto slice = std::find_if(attention.begin(), attention.end(), [&](const auto& a) {
      return a.sliding_window == kind.sliding_window;
    });
    ASSIGN_OR_RETURN(LayerGroup group, EvaluateLayer(kind, step, slice->phases));
    for (const ic_phase_cost& cost : group.phases) {
      Accumulate(ledger.phases, cost, static_cast<double>(group.layers));
    }
    ledger.stack_weight_bytes += static_cast<double>(group.layers) * group.totals.weight_bytes;
    ledger.groups.push_back(std::move(group));
  }
  const ic_phase_cost lm_head = LmHeadPhase(model, step, precision_);
  for (const ic_phase_cost& cost : {TokenIdsPhase(), EmbeddingPhase(model, step, precision_),
                                    NormPhase(IC_PHASE_FINAL_NORM, model, step, precision_),
                                    lm_head, SamplingPhase(model, step)}) {
    Accumulate(ledger.phases, cost, 1);
    ledger.model_phases.push_back(cost);
  }
  if (step.pipeline_parallel > 1) {
    // One record per stage boundary crossed; the timer charges all pipeline_parallel - 1 hops.
    const ic_phase_cost hop = PipelineSendPhase(model, step, precision_);
    Accumulate(ledger.phases, hop, static_cast<double>(step.pipeline_parallel - 1));
    ledger.model_phases.push_back(hop);
  }
  SortForDisplay(ledger.phases);
  ledger.totals = Sum(ledger.phases);
  ledger.layer_weight_bytes = ledger.groups.front().totals.weight_bytes;
  // The explainer's whole-model meter: L x layer + LM head (no embedding row, no final norm).
  ledger.stack_weight_bytes += lm_head.weight_bytes;
  return ledger;
}

absl::StatusOr<double> Pipeline::KvCacheBytesPerToken(int64_t tensor_parallel) const {
  Step step{IC_STAGE_DECODE, 1, 1, 1};
  step.tensor_parallel = tensor_parallel;
  ASSIGN_OR_RETURN(double per_layer, variant_.KvCacheBytesPerToken(shape_, StageOf(step)));
  return per_layer * static_cast<double>(scenario_.model.num_layers);
}

absl::StatusOr<double> Pipeline::KvCacheBytesPerSequence(int64_t context_tokens,
                                                         int64_t tensor_parallel) const {
  Step step{IC_STAGE_DECODE, 1, 1, 1};
  step.tensor_parallel = tensor_parallel;
  double bytes = 0;
  for (const LayerKind& kind : layer_kinds_) {
    ic_attention_shape shape = shape_;
    shape.sliding_window = kind.sliding_window;
    ASSIGN_OR_RETURN(double per_token, variant_.KvCacheBytesPerToken(shape, StageOf(step)));
    // A sliding-window layer keeps only its last `window` tokens.
    const int64_t kept =
        kind.sliding_window > 0 ? std::min(context_tokens, kind.sliding_window) : context_tokens;
    bytes += static_cast<double>(kind.layers) * per_token * static_cast<double>(kept);
  }
  return bytes;
}

absl::StatusOr<Ledger> Pipeline::Run() const {
  const Scenario& s = scenario_;
  Ledger ledger;
  ASSIGN_OR_RETURN(ledger.prefill,
                   Evaluate(Step{IC_STAGE_PREFILL, s.concurrency, s.input_tokens, s.input_tokens}));
  // Mean context over the decode: input + output/2 (the explainer's N).
  ASSIGN_OR_RETURN(ledger.decode, Evaluate(Step{IC_STAGE_DECODE, s.concurrency, 1,
                                                s.input_tokens + s.output_tokens / 2}));
  ASSIGN_OR_RETURN(ledger.kv_cache_bytes_per_token, KvCacheBytesPerToken(1));

  // Exact decode sum: only attention depends on the context; everything else repeats per step.
  DecodeSum& sum = ledger.decode_sum;
  sum.steps = s.output_tokens - 1;
  const double steps = static_cast<double>(sum.steps);
  for (const ic_phase_cost& cost : ledger.decode.phases) {
    if (!IsAttentionPhase(cost.phase)) Accumulate(sum.phases, cost, steps);
  }
  for (int64_t k = 1; k <= sum.steps; ++k) {
    ASSIGN_OR_RETURN(
        std::vector<AttentionSlice> attention,
        AttentionByWindow(Step{IC_STAGE_DECODE, s.concurrency, 1, s.input_tokens + k}));
    for (const AttentionSlice& slice : attention) {
      for (const ic_phase_cost& cost : slice.phases) {
        Accumulate(sum.phases, cost, static_cast<double>(slice.layers));
      }
    }
  }
  // Params are a property of the model, not of the steps: keep one step's count.
  for (ic_phase_cost& cost : sum.phases) {
    const ic_phase_cost* one_step = ledger.decode.Find(cost.phase);
    cost.params = one_step != nullptr ? one_step->params : 0;
  }
  SortForDisplay(sum.phases);
  sum.totals = Sum(sum.phases);
  return ledger;
}

}  // namespace infercost::framework
