#include "framework/ledger/pipeline.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/builtin_phases.h"
#include "framework/ledger/cost_math.h"
#include "framework/ledger/largest_line_sum.h"
#include "framework/ledger/piecewise_affine_sum.h"
#include "framework/ledger/scenario_steps.h"
#include "framework/ledger/whole_model.h"

namespace infercost::framework {

const CollectivePlan* StageLedger::FindCollective(ic_phase_id phase) const {
  for (const CollectivePlan& plan : collectives) {
    if (plan.phase == phase) return &plan;
  }
  return nullptr;
}

const ic_phase_cost* StageLedger::Find(ic_phase_id phase) const {
  for (const ic_phase_cost& cost : phases) {
    if (cost.phase == phase) return &cost;
  }
  return nullptr;
}

namespace {

// Capacity for the records the host adds to a layer (norms, FFN or MoE, all-reduces) and to the
// model (token ids, embedding, final norm, LM head, sampling, stage send): reserved up front so
// that building a ledger does not grow its vectors record by record.
constexpr size_t kBuiltinLayerPhases = 12;
constexpr size_t kModelPhases = 6;

// Up to this many stairs a decode sum whose values are modelled is summed in closed form, stair
// by stair or a run of equal stairs at once; a longer staircase goes to the piecewise-affine
// sum, which takes a run of equal stairs as one plane from a few samples.
constexpr int64_t kMostStairsSummedOneByOne = 64;
// How near a record's time model must come to the plugin's time for it (relative): rounding
// apart, a true model gives the same number.
constexpr double kModelTolerance = 1e-9;

// "sliding" for "sliding_attention": the short form group names use.
std::string ShortKind(const std::string& kind) {
  constexpr std::string_view kSuffix = "_attention";
  if (kind.size() > kSuffix.size() && kind.ends_with(kSuffix)) {
    return kind.substr(0, kind.size() - kSuffix.size());
  }
  return kind;
}

}  // namespace

Pipeline::Pipeline(Scenario scenario, AttentionKernelPlugin kernel,
                   std::shared_ptr<const AttentionLayers> attention)
    : built_for_(std::make_shared<const Scenario>(std::move(scenario))),
      scenario_(built_for_.get()),
      kernel_(std::move(kernel)),
      attention_(std::move(attention)) {
  const registry::Model& model = scenario_->model;
  device_ = ic_kernel_device{sizeof(ic_kernel_device), 0, scenario_->hardware.onchip_memory_bytes,
                             scenario_->hardware.l2_cache_bytes, scenario_->hardware.compute_units};
  precision_ = PrecisionOf(*scenario_);
  std::vector<LayerKind> layer_kinds;
  // Layers sharing FFN kind and attention class share one per-layer cost. Group names say the
  // attention kind when the variant costs layers in more than one class.
  const std::vector<AttentionClass>& classes = attention_->classes();
  for (int64_t layer = 0; layer < model.num_layers; ++layer) {
    const bool moe = registry::IsMoeLayer(model, layer);
    const size_t attention_class = attention_->ClassOf(layer);
    auto same = std::find_if(layer_kinds.begin(), layer_kinds.end(), [&](const LayerKind& k) {
      return k.moe == moe && k.attention_class == attention_class;
    });
    if (same != layer_kinds.end()) {
      ++same->layers;
      continue;
    }
    std::string name = moe ? "moe" : "dense";
    if (classes.size() > 1) {
      const AttentionClass& c = classes[attention_class];
      int64_t same_kind = 0;
      for (const AttentionClass& other : classes) same_kind += other.kind == c.kind ? 1 : 0;
      name += fmt::format("-{}", c.kind.empty() ? std::string("layer") : ShortKind(c.kind));
      if (same_kind > 1) name += fmt::format("-{}", c.layer.index);  // first layer of the class
    }
    layer_kinds.push_back({name, 1, moe, attention_class});
  }
  layer_kinds_ = std::make_shared<const std::vector<LayerKind>>(std::move(layer_kinds));
}

Pipeline::Pipeline(const Pipeline& structure, const Scenario& scenario)
    : built_for_(structure.built_for_),
      scenario_(&scenario),
      kernel_(structure.kernel_),
      attention_(structure.attention_),
      device_(structure.device_),
      precision_(structure.precision_),
      layer_kinds_(structure.layer_kinds_) {}

namespace {

// What Pipeline::Create and its constructor read from a scenario, compared.
bool SameStructure(const Scenario& a, const Scenario& b) {
  const auto same_dtype = [](const registry::DType& x, const registry::DType& y) {
    return x.id == y.id && x.bytes_per_element == y.bytes_per_element;
  };
  return a.attention_variant == b.attention_variant && a.attention_kernel == b.attention_kernel &&
         a.layout.tensor == b.layout.tensor &&
         a.hardware.onchip_memory_bytes == b.hardware.onchip_memory_bytes &&
         a.hardware.l2_cache_bytes == b.hardware.l2_cache_bytes &&
         a.hardware.compute_units == b.hardware.compute_units && same_dtype(a.weights, b.weights) &&
         same_dtype(a.expert_weights, b.expert_weights) &&
         same_dtype(a.activations, b.activations) && same_dtype(a.kv, b.kv) && a.model == b.model;
}

}  // namespace

std::optional<Pipeline> Pipeline::Rebind(const Scenario& scenario) const {
  if (!SameStructure(*built_for_, scenario)) return std::nullopt;
  return Pipeline(*this, scenario);
}

absl::StatusOr<Pipeline> Pipeline::Create(const Scenario& scenario, const PluginSet& plugins) {
  const registry::Model& model = scenario.model;
  // The model's variant (or --attention-variant's), then each plugin layer_variants names.
  std::vector<AttentionLayers::VariantInput> variants;
  // A variant the model preset names: a missing one's message names the preset's file and key.
  const auto in_model = [&](std::string key) {
    return
        [&model, key] { return fmt::format("model '{}' ({}): {}", model.name, model.source, key); };
  };
  ASSIGN_OR_RETURN(
      auto main_plugin,
      scenario.attention_variant == model.attention_variant
          ? plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, scenario.attention_variant,
                         in_model("attention_variant"))
          : plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, scenario.attention_variant));
  variants.push_back({scenario.attention_variant, AttentionVariantPlugin(std::move(main_plugin)),
                      model.variant_options});
  for (const auto& [kind, name] : model.layer_variants) {
    const bool seen = std::any_of(variants.begin(), variants.end(),
                                  [&](const auto& v) { return v.name == name; });
    if (seen) continue;
    ASSIGN_OR_RETURN(auto plugin, plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, name,
                                               in_model("layer_variants." + kind)));
    std::vector<registry::VariantOption> options;
    if (auto it = model.layer_variant_options.find(name); it != model.layer_variant_options.end()) {
      options = it->second;
    }
    variants.push_back({name, AttentionVariantPlugin(std::move(plugin)), std::move(options)});
  }
  ASSIGN_OR_RETURN(auto kernel,
                   plugins.Find(IC_PLUGIN_KIND_ATTENTION_KERNEL, scenario.attention_kernel));
  ASSIGN_OR_RETURN(std::shared_ptr<const AttentionLayers> attention,
                   AttentionLayers::Create(model, std::move(variants), scenario.layout.tensor));
  return Pipeline(scenario, AttentionKernelPlugin(std::move(kernel)), std::move(attention));
}

ic_stage Pipeline::StageOf(const Step& step, const ic_layer& layer) const {
  ic_stage stage{};
  stage.struct_size = sizeof(ic_stage);
  stage.kind = step.kind;
  stage.batch = step.batch;
  stage.query_tokens = step.query_tokens;
  stage.context_tokens = step.context_tokens;
  stage.weight_dtype = scenario_->weights.id;
  stage.activation_dtype = scenario_->activations.id;
  stage.kv_dtype = scenario_->kv.id;
  stage.weight_bytes_per_element = precision_.weight;
  stage.activation_bytes_per_element = precision_.activation;
  stage.kv_bytes_per_element = precision_.kv;
  stage.tensor_parallel = step.tensor_parallel;
  stage.layer = &layer;
  return stage;
}

absl::Status Pipeline::AttentionPhasesInto(const Step& step, size_t attention_class,
                                           std::vector<ic_phase_cost>& phases) const {
  const AttentionClass& c = attention_->classes()[attention_class];
  const VariantBinding& variant = attention_->variant(c.variant);
  const ic_stage stage = StageOf(step, c.layer);
  const ic_attention_shape& shape = variant.shape;
  RETURN_IF_ERROR(variant.plugin.PhasesInto(shape, stage, phases));
  return kernel_.RewriteTraffic(shape, stage, device_, phases);
}

absl::StatusOr<std::vector<AttentionSlice>> Pipeline::AttentionByClass(const Step& step) const {
  std::vector<AttentionSlice> slices;
  RETURN_IF_ERROR(AttentionByClassInto(step, slices));
  return slices;
}

absl::Status Pipeline::AttentionByClassInto(const Step& step,
                                            std::vector<AttentionSlice>& slices) const {
  const std::vector<AttentionClass>& classes = attention_->classes();
  slices.resize(classes.size());
  for (size_t c = 0; c < classes.size(); ++c) {
    slices[c].layers = classes[c].layers;
    slices[c].attention_class = c;
    RETURN_IF_ERROR(AttentionPhasesInto(step, c, slices[c].phases));
  }
  return absl::OkStatus();
}

void Pipeline::AppendLayerPhases(const LayerKind& kind, const Step& step,
                                 const std::vector<ic_phase_cost>& attention,
                                 std::vector<ic_phase_cost>& phases) const {
  const registry::Model& model = scenario_->model;
  // In display order (PhaseDisplayRank: norms, attention, FFN, communication), so that sorting
  // the group, which it still is for the variant's records, moves nothing in the common case.
  phases.push_back(NormPhase(IC_PHASE_ATTN_NORM, model, step, precision_));
  // Parallel attention (Falcon) feeds attention and FFN from one norm.
  if (!model.parallel_attention) {
    phases.push_back(NormPhase(IC_PHASE_FFN_NORM, model, step, precision_));
  }
  phases.insert(phases.end(), attention.begin(), attention.end());
  if (kind.moe) {
    AppendMoeFfnPhases(model, step, precision_, phases);
  } else {
    AppendDenseFfnPhases(model, model.intermediate_size, step, precision_, phases);
  }
  if (step.tensor_parallel > 1) {
    phases.push_back(AllReducePhase(IC_PHASE_ATTN_ALL_REDUCE, model, step, precision_));
    if (model.qk_norm == registry::QkNorm::kPerLayer) phases.push_back(QkNormAllReducePhase(step));
    // MoE layers with expert all-to-alls combine their outputs there instead.
    if (!(kind.moe && UsesExpertAllToAll(step))) {
      phases.push_back(AllReducePhase(IC_PHASE_FFN_ALL_REDUCE, model, step, precision_));
    }
  }
}

void Pipeline::AppendModelPhases(const Step& step, std::vector<ic_phase_cost>& phases) const {
  const registry::Model& model = scenario_->model;
  phases.insert(phases.end(), {TokenIdsPhase(), EmbeddingPhase(model, step, precision_),
                               NormPhase(IC_PHASE_FINAL_NORM, model, step, precision_),
                               LmHeadPhase(model, step, precision_), SamplingPhase(model, step)});
  // One record per stage boundary crossed; the ledger and the timer count
  // pipeline_parallel - 1 of them.
  if (step.pipeline_parallel > 1) phases.push_back(PipelineSendPhase(model, step, precision_));
}

static absl::Status CheckStep(const Step& step) {
  if (step.batch <= 0 || step.query_tokens <= 0 || step.context_tokens < step.query_tokens ||
      step.tensor_parallel <= 0) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid step: batch = {}, query tokens = {}, context tokens = {}, tensor parallel = {} "
        "(need batch >= 1, query tokens >= 1, context >= query tokens, tensor parallel >= 1)",
        step.batch, step.query_tokens, step.context_tokens, step.tensor_parallel));
  }
  return absl::OkStatus();
}

absl::StatusOr<StageLedger> Pipeline::Evaluate(const Step& step,
                                               std::vector<AttentionSlice>* attention_out) const {
  StageLedger ledger;
  std::vector<AttentionSlice> attention;
  RETURN_IF_ERROR(EvaluateInto(step, ledger, attention));
  if (attention_out != nullptr) *attention_out = std::move(attention);
  return ledger;
}

absl::Status Pipeline::EvaluateInto(const Step& step, StageLedger& ledger,
                                    std::vector<AttentionSlice>& attention,
                                    bool whole_step_records) const {
  RETURN_IF_ERROR(CheckStep(step));
  ledger.step = step;
  RETURN_IF_ERROR(AttentionByClassInto(step, attention));
  ledger.groups.resize(layer_kinds_->size());
  for (size_t g = 0; g < layer_kinds_->size(); ++g) {
    const LayerKind& kind = (*layer_kinds_)[g];
    LayerGroup& group = ledger.groups[g];
    group.name = kind.name;
    group.layers = kind.layers;
    group.phases.clear();
    group.phases.reserve(attention[kind.attention_class].phases.size() + kBuiltinLayerPhases);
    AppendLayerPhases(kind, step, attention[kind.attention_class].phases, group.phases);
    SortByDisplayRank(group.phases);
  }
  ledger.model_phases.clear();
  ledger.model_phases.reserve(kModelPhases);
  AppendModelPhases(step, ledger.model_phases);
  AssembleStage(ledger, whole_step_records);
  // One collective per communication phase of the step.
  ledger.collectives.clear();
  const auto plan = [&](const ic_phase_cost& cost) {
    if (PhaseSection(cost.phase) == IC_SECTION_COMMUNICATION &&
        ledger.FindCollective(cost.phase) == nullptr) {
      ledger.collectives.push_back(CollectiveOf(cost.phase, step));
    }
  };
  for (const ic_phase_cost& cost : ledger.model_phases) plan(cost);
  for (const LayerGroup& group : ledger.groups) {
    for (const ic_phase_cost& cost : group.phases) plan(cost);
  }
  return absl::OkStatus();
}

absl::StatusOr<double> Pipeline::LargestPhaseActivationBytes(const Step& step,
                                                             EvaluationScratch& scratch,
                                                             double enough) const {
  RETURN_IF_ERROR(CheckStep(step));
  std::vector<ic_phase_cost>& phases = scratch.phases;
  phases.reserve(kModelPhases + kBuiltinLayerPhases + 16);
  double largest = 0;
  const auto take_largest = [&] {
    for (const ic_phase_cost& cost : phases) largest = std::max(largest, cost.activation_bytes);
    phases.clear();
  };
  phases.clear();
  AppendModelPhases(step, phases);
  take_largest();
  static const std::vector<ic_phase_cost> kNoAttention;
  for (const LayerKind& kind : *layer_kinds_) {
    AppendLayerPhases(kind, step, kNoAttention, phases);
    take_largest();
  }
  if (largest > enough) return largest;
  RETURN_IF_ERROR(AttentionByClassInto(step, scratch.attention));
  for (const LayerKind& kind : *layer_kinds_) {
    for (const ic_phase_cost& cost : scratch.attention[kind.attention_class].phases) {
      largest = std::max(largest, cost.activation_bytes);
    }
  }
  return largest;
}

absl::StatusOr<double> Pipeline::KvCacheBytesPerToken(int64_t tensor_parallel) const {
  Step step{IC_STAGE_DECODE, 1, 1, 1};
  step.tensor_parallel = tensor_parallel;
  double bytes = 0;
  for (const AttentionClass& c : attention_->classes()) {
    const VariantBinding& variant = attention_->variant(c.variant);
    ASSIGN_OR_RETURN(double per_layer,
                     variant.plugin.KvCacheBytesPerToken(variant.shape, StageOf(step, c.layer)));
    bytes += per_layer * static_cast<double>(c.layers);
  }
  return bytes;
}

absl::StatusOr<double> Pipeline::KvCacheBytesPerSequence(int64_t context_tokens,
                                                         int64_t tensor_parallel) const {
  Step step{IC_STAGE_DECODE, 1, 1, context_tokens};
  step.tensor_parallel = tensor_parallel;
  double bytes = 0;
  for (const AttentionClass& c : attention_->classes()) {
    const VariantBinding& variant = attention_->variant(c.variant);
    ASSIGN_OR_RETURN(double per_layer,
                     variant.plugin.KvStateBytes(variant.shape, StageOf(step, c.layer)));
    bytes += static_cast<double>(c.layers) * per_layer;
  }
  return bytes;
}

absl::StatusOr<Ledger> Pipeline::Run() const {
  const Scenario& s = *scenario_;
  const int64_t batch = ReplicaBatch(s, s.concurrency);
  ASSIGN_OR_RETURN(const StageLedger prefill, Evaluate(PerGpuStep(s, IC_STAGE_PREFILL, batch,
                                                                  s.input_tokens, s.input_tokens)));
  ASSIGN_OR_RETURN(const StageLedger decode,
                   Evaluate(PerGpuStep(s, IC_STAGE_DECODE, batch, 1,
                                       MeanDecodeContext(s.input_tokens, s.output_tokens))));
  return WholeModel(prefill, decode);
}

absl::StatusOr<Ledger> Pipeline::WholeModel(const StageLedger& prefill_per_gpu,
                                            const StageLedger& decode_per_gpu) const {
  // The meters are the expert group's mean GPU's: a ledger of its busiest (imbalanced MoE
  // routing) is evaluated again without the imbalance (attention, all the decode sum samples,
  // does not depend on it).
  const bool moe = std::any_of(layer_kinds_->begin(), layer_kinds_->end(),
                               [](const LayerKind& kind) { return kind.moe; });
  if (moe && (prefill_per_gpu.step.moe_imbalance != 1 || decode_per_gpu.step.moe_imbalance != 1)) {
    Step prefill = prefill_per_gpu.step;
    Step decode = decode_per_gpu.step;
    prefill.moe_imbalance = decode.moe_imbalance = 1;
    ASSIGN_OR_RETURN(const StageLedger prefill_mean_gpu, Evaluate(prefill));
    ASSIGN_OR_RETURN(const StageLedger decode_mean_gpu, Evaluate(decode));
    return WholeModel(prefill_mean_gpu, decode_mean_gpu);
  }
  const Scenario& s = *scenario_;
  Ledger ledger;
  ledger.prefill = WholeModelOf(prefill_per_gpu);
  ledger.decode = WholeModelOf(decode_per_gpu);
  ASSIGN_OR_RETURN(ledger.kv_cache_bytes_per_token, KvCacheBytesPerToken(1));
  ASSIGN_OR_RETURN(ledger.kv_cache_bytes_per_sequence,
                   KvCacheBytesPerSequence(s.input_tokens + s.output_tokens, 1));

  // Exact decode sum: only attention depends on the context; everything else repeats per step.
  DecodeSum& sum = ledger.decode_sum;
  sum.steps = s.output_tokens - 1;
  const double steps = static_cast<double>(sum.steps);
  for (const ic_phase_cost& cost : ledger.decode.phases) {
    if (!IsAttentionPhase(cost.phase)) Accumulate(sum.phases, cost, steps);
  }
  ASSIGN_OR_RETURN(sum.evaluated_steps,
                   SumDecodeAttention(decode_per_gpu.step, &sum.phases, nullptr));
  // Params are a property of the model, not of the steps: keep one step's count.
  for (ic_phase_cost& cost : sum.phases) {
    const ic_phase_cost* one_step = ledger.decode.Find(cost.phase);
    cost.params = one_step != nullptr ? one_step->params : 0;
  }
  SortByDisplayRank(sum.phases);
  sum.totals = Sum(sum.phases);
  return ledger;
}

absl::StatusOr<int64_t> Pipeline::SumPerGpuDecode(PerGpuDecodeHook& hook) const {
  return SumDecodeAttention(hook.per_gpu, nullptr, &hook);
}

absl::StatusOr<int64_t> Pipeline::SumDecodeAttention(const Step& per_gpu_decode,
                                                     std::vector<ic_phase_cost>* whole_model,
                                                     PerGpuDecodeHook* hook) const {
  const Scenario& s = *scenario_;
  const int64_t steps = s.output_tokens - 1;
  if (hook != nullptr) hook->sums.clear();
  // Step k's attention on one GPU, as one sample: per phase its class (shape) and its
  // whole-model cost fields (values), then the hook's values of the same records.
  // A step's attention and the hook's values of it, their capacity reused by the next step (and
  // by the hook's next sum).
  std::vector<AttentionSlice> own_attention;
  std::vector<double> own_values;
  std::vector<AttentionSlice>& evaluated = hook != nullptr ? hook->step_attention : own_attention;
  std::vector<double>& values = hook != nullptr ? hook->step_values : own_values;
  // Where every plugin declared its breaks, the steps' attention from a basis of a few
  // evaluated ones (decode_attention_basis.h), set up below.
  DecodeAttentionBasis own_basis;
  DecodeAttentionBasis& basis = hook != nullptr ? hook->basis : own_basis;
  bool use_basis = false;
  // With a basis and a hook valued per record (and no whole-model meters to sum), each sample
  // holds the records that change with the step only; the others' values are taken once.
  bool split = false;
  // With models of the records that change with the step: their values along the steps.
  bool modelled = false;
  const auto attention_at = [&](int64_t k) -> absl::StatusOr<AffineSample> {
    if (modelled) {
      const DecodeAttentionBasis::Offset at = basis.OffsetOf(k);
      AffineSample sample;
      for (const PerGpuDecodeHook::ModelledRecord& record : hook->modelled) {
        sample.values.push_back(record.At(at));
      }
      sample.shape.push_back(-static_cast<int64_t>(sample.values.size()) - 1);
      return sample;
    }
    const Step step = DecodeStepAt(per_gpu_decode, k);
    const std::vector<AttentionSlice>* known =
        !split && hook != nullptr && hook->per_gpu_attention != nullptr && hook->per_gpu == step
            ? hook->per_gpu_attention
            : nullptr;
    if (known == nullptr) {
      if (use_basis) {
        basis.At(
            k, evaluated,
            split ? DecodeAttentionBasis::Records::kVarying : DecodeAttentionBasis::Records::kAll);
      } else {
        RETURN_IF_ERROR(AttentionByClassInto(step, evaluated));
      }
    }
    const std::vector<AttentionSlice>& attention = known != nullptr ? *known : evaluated;
    AffineSample sample;
    if (whole_model != nullptr) {
      for (const AttentionSlice& slice : attention) {
        for (const ic_phase_cost& cost : slice.phases) {
          sample.shape.insert(sample.shape.end(), {slice.layers, cost.phase});
          const std::array<double, kCostFields> fields =
              CostFields(WholeModelRecord(cost, step.tensor_parallel));
          sample.values.insert(sample.values.end(), fields.begin(), fields.end());
        }
      }
    }
    if (hook != nullptr) {
      values.clear();
      RETURN_IF_ERROR(hook->values(attention, values));
      sample.shape.push_back(-static_cast<int64_t>(values.size()) - 1);  // marks the hook's part
      sample.values.insert(sample.values.end(), values.begin(), values.end());
    }
    return sample;
  };
  const auto add = [&](const AffineSample& sample, double weight) {
    size_t v = 0;
    for (size_t i = 0; i + 1 < sample.shape.size() && sample.shape[i] >= 0;
         i += 2, v += kCostFields) {
      const ic_phase_cost cost =
          CostFromFields(static_cast<ic_phase_id>(sample.shape[i + 1]), &sample.values[v]);
      Accumulate(*whole_model, cost, weight * static_cast<double>(sample.shape[i]));
    }
    if (hook == nullptr) return;
    const size_t hook_values = sample.values.size() - v;
    if (hook->sums.size() < hook_values) hook->sums.resize(hook_values, 0.0);
    for (size_t i = 0; i < hook_values; ++i) hook->sums[i] += weight * sample.values[v + i];
  };
  if (s.decode_sum == DecodeSumMethod::kEveryStep) {
    for (int64_t k = 1; k <= steps; ++k) {
      ASSIGN_OR_RETURN(const AffineSample sample, attention_at(k));
      add(sample, 1);
    }
    return std::max<int64_t>(steps, 0);
  }
  DeclaredBreaks known_breaks;  // (a single step has nothing to cut)
  bool declared = false;
  bool vetted = false;
  const bool next_is_known = steps >= 2 && NextStepKnown(per_gpu_decode, hook);
  if (steps >= 2) {
    // Up to the step after the last, which the basis may take as a point.
    const int64_t last = steps + 1;
    declared = DeclaredDecodeBreaks(per_gpu_decode, s.input_tokens + 1, s.input_tokens + last,
                                    known_breaks, vetted);
  }
  for (Staircase& stairs : known_breaks) stairs.first -= s.input_tokens;  // context -> step
  int64_t basis_evaluations = 0;
  bool basis_at_hook_step = false;
  if (declared) {
    ASSIGN_OR_RETURN(use_basis,
                     FitDecodeBasis(per_gpu_decode, known_breaks, vetted, next_is_known, hook,
                                    evaluated, basis, basis_evaluations, basis_at_hook_step));
    split = use_basis && whole_model == nullptr && hook != nullptr && hook->values_per_record;
    if (split && hook->value_models) {
      ASSIGN_OR_RETURN(modelled, ModelVaryingRecords(basis, steps, basis_at_hook_step, *hook));
    }
  }
  if (modelled && basis.StairCount() <= kMostStairsSummedOneByOne) {
    // Every value in closed form: nothing sampled beyond the basis's evaluations.
    SumModelledStairs(basis, steps, *hook);
    RETURN_IF_ERROR(AddConstantRecords(basis, steps, basis_at_hook_step, *hook));
    return basis_evaluations;
  }
  ASSIGN_OR_RETURN(const SumStats stats,
                   SumPiecewiseAffine(1, steps, attention_at, add, known_breaks));
  if (split) RETURN_IF_ERROR(AddConstantRecords(basis, steps, basis_at_hook_step, *hook));
  return stats.samples;
}

bool Pipeline::NextStepKnown(const Step& per_gpu_decode, const PerGpuDecodeHook* hook) const {
  return hook != nullptr && hook->next_attention != nullptr &&
         DecodeStepAt(per_gpu_decode, scenario_->output_tokens) == hook->next_step;
}

Step Pipeline::DecodeStepAt(const Step& per_gpu_decode, int64_t k) const {
  Step step = per_gpu_decode;
  step.kind = IC_STAGE_DECODE;
  step.query_tokens = 1;
  step.context_tokens = scenario_->input_tokens + k;
  return step;
}

absl::StatusOr<bool> Pipeline::FitDecodeBasis(const Step& per_gpu_decode,
                                              const DeclaredBreaks& breaks, bool vetted,
                                              bool next_is_known, const PerGpuDecodeHook* hook,
                                              std::vector<AttentionSlice>& scratch,
                                              DecodeAttentionBasis& basis, int64_t& evaluated,
                                              bool& basis_at_hook_step) const {
  basis_at_hook_step = false;
  const int64_t steps = scenario_->output_tokens - 1;
  // The step the caller evaluated already (the mean), where it is one of the sum's: a point
  // that costs nothing, else the check.
  int64_t hook_step = 0;
  if (hook != nullptr && hook->per_gpu_attention != nullptr) {
    const int64_t k = hook->per_gpu.context_tokens - scenario_->input_tokens;
    if (k >= 1 && k <= steps && DecodeStepAt(per_gpu_decode, k) == hook->per_gpu) hook_step = k;
  }
  // Declarations checked before loading: the form they declare is taken as it is, fitted on the
  // summary's mean step and the step after the last (both evaluated already where the caller
  // has them) and at most one more. (The plan depends on the scenario only, not on what the
  // caller evaluated: the same scenario gives the same bits however it is reached.)
  const int64_t mean_step = MeanDecodeContext(0, scenario_->output_tokens);
  const bool unchecked = vetted && basis.PlanFromKnownSteps(steps, breaks, mean_step);
  if (!unchecked && !basis.Plan(steps, breaks, next_is_known)) return false;
  const std::array<int64_t, 3>& points = basis.points();
  const auto is_point = [&points](int64_t k) {
    return k == points[0] || k == points[1] || k == points[2];
  };
  // The checks: that step where it is not a point, else the middle one (or the nearest step after
  // it that is not a point: Plan takes three of at least four); and one in the last point's
  // stair.
  const std::vector<AttentionSlice>* check = nullptr;
  int64_t check_step = (steps + 1) / 2;
  if (hook_step != 0 && !is_point(hook_step)) {
    check = hook->per_gpu_attention;
    check_step = hook_step;
  }
  while (!unchecked && is_point(check_step)) check_step = check_step < steps ? check_step + 1 : 1;
  const int64_t far_check = unchecked ? 0 : basis.FarStairCheck(steps, check_step);
  // Where each point's attention comes from: evaluated already as the point before it (where no
  // staircase cuts the range), the step after the last (the memory model's) or the caller's
  // step; else evaluated here.
  enum class Source { kEvaluate, kPointBefore, kNextStep, kCallersStep };
  const auto source = [&](size_t i) {
    if (i > 0 && points[i] == points[i - 1]) return Source::kPointBefore;
    if (next_is_known && points[i] == steps + 1) return Source::kNextStep;
    if (points[i] == hook_step) return Source::kCallersStep;
    return Source::kEvaluate;
  };
  // A basis only where it evaluates fewer steps than visiting every one would (the caller's
  // step, where it is one of them, costs neither).
  int64_t to_evaluate = (check == nullptr && !unchecked ? 1 : 0) + (far_check != 0 ? 1 : 0);
  for (size_t i = 0; i < points.size(); ++i) to_evaluate += source(i) == Source::kEvaluate ? 1 : 0;
  if (to_evaluate >= steps - (hook_step != 0 ? 1 : 0)) return false;
  for (size_t i = 0; i < points.size(); ++i) {
    switch (source(i)) {
      case Source::kPointBefore:
        basis.TakeAgain(i);
        break;
      case Source::kNextStep:
        basis.Refer(i, *hook->next_attention);
        break;
      case Source::kCallersStep:
        basis.Refer(i, *hook->per_gpu_attention);
        break;
      case Source::kEvaluate:
        RETURN_IF_ERROR(
            AttentionByClassInto(DecodeStepAt(per_gpu_decode, points[i]), basis.Slot(i)));
        ++evaluated;
        break;
    }
  }
  if (!basis.Fit()) return false;
  if (unchecked) {
    basis_at_hook_step = hook_step == points[0];  // (fitted there)
    return true;
  }
  if (check == nullptr) {
    RETURN_IF_ERROR(AttentionByClassInto(DecodeStepAt(per_gpu_decode, check_step), scratch));
    ++evaluated;
    check = &scratch;
  }
  if (!basis.Matches(check_step, *check)) return false;
  basis_at_hook_step = hook_step != 0;  // (fitted or checked there)
  if (far_check == 0) return true;
  RETURN_IF_ERROR(AttentionByClassInto(DecodeStepAt(per_gpu_decode, far_check), scratch));
  ++evaluated;
  return basis.Matches(far_check, scratch);
}

namespace {

// Sum over stairs u = 0 .. runs - 1 (each `period` steps, t = 0 .. period - 1) of the largest of
// `lines` (each line c + per_step x t + per_stair x u), where one line is on top over the whole
// run: each other line's gap to it is affine in (t, u), so not negative at the four corners
// means not negative anywhere. False (nothing added) where no line tops them all.
struct StairLine {
  double c = 0;
  double per_step = 0;
  double per_stair = 0;
};
bool SumRunWithOneTopLine(absl::Span<const StairLine> lines, int64_t period, int64_t runs,
                          double& sum) {
  const double last_t = static_cast<double>(period - 1);
  const double last_u = static_cast<double>(runs - 1);
  for (const StairLine& top : lines) {
    bool tops = true;
    for (const StairLine& other : lines) {
      const double c = top.c - other.c;
      const double t = top.per_step - other.per_step;
      const double u = top.per_stair - other.per_stair;
      if (!(c >= 0 && c + t * last_t >= 0 && c + u * last_u >= 0 &&
            c + t * last_t + u * last_u >= 0)) {
        tops = false;
        break;
      }
    }
    if (!tops) continue;
    const double steps = static_cast<double>(period);
    const double stairs = static_cast<double>(runs);
    sum += stairs * steps * top.c + top.per_step * stairs * steps * last_t / 2 +
           top.per_stair * steps * stairs * last_u / 2;
    return true;
  }
  return false;
}

}  // namespace

void Pipeline::SumModelledStairs(const DecodeAttentionBasis& basis, int64_t steps,
                                 PerGpuDecodeHook& hook) const {
  // Each record's sum of its largest piece over the steps first (in the order below: the run,
  // then the stairs one by one), then its value.
  const size_t records = hook.modelled.size();
  hook.sums.assign(records, 0.0);
  const int64_t stairs = basis.StairCount();
  // The stairs between the first break and the last (1 .. stairs - 2) are all one period long:
  // where one piece of a record tops every one of them, they are summed at once.
  const int64_t runs = stairs >= 4 ? stairs - 2 : 0;
  absl::InlinedVector<char, 16> run_summed(runs > 0 ? records : 0, 0);
  if (runs > 0) {
    const int64_t period = basis.StairStart(2) - basis.StairStart(1);
    const DecodeAttentionBasis::Offset run_start = basis.StairOffset(1);
    std::array<StairLine, RecordValueModel::kMostPieces> run_lines;
    for (size_t r = 0; r < records; ++r) {
      const PerGpuDecodeHook::ModelledRecord& record = hook.modelled[r];
      const size_t pieces = static_cast<size_t>(record.pieces);
      for (size_t p = 0; p < pieces; ++p) {
        const DecodeAttentionBasis::Line& line = record.lines[p];
        run_lines[p] = {line.At(run_start), line.per_step,
                        line.per_step * static_cast<double>(period) + line.per_break};
      }
      run_summed[r] =
          SumRunWithOneTopLine({run_lines.data(), pieces}, period, runs, hook.sums[r]) ? 1 : 0;
    }
  }
  // The stairs one by one (where each starts and how long it is, found once for every record).
  std::array<AffineLine, RecordValueModel::kMostPieces> lines;
  for (int64_t i = 0; i < stairs; ++i) {
    const int64_t first = basis.StairStart(i);
    const int64_t last = i + 1 < stairs ? basis.StairStart(i + 1) - 1 : steps;
    if (last < first) continue;
    const bool in_run = i >= 1 && i <= runs;
    const DecodeAttentionBasis::Offset at = basis.StairOffset(i);
    for (size_t r = 0; r < records; ++r) {
      if (in_run && run_summed[r] != 0) continue;
      const PerGpuDecodeHook::ModelledRecord& record = hook.modelled[r];
      const size_t pieces = static_cast<size_t>(record.pieces);
      for (size_t p = 0; p < pieces; ++p) {
        lines[p] = {record.lines[p].At(at), record.lines[p].per_step};
      }
      hook.sums[r] += SumOfLargestLine({lines.data(), pieces}, last - first + 1);
    }
  }
  for (size_t r = 0; r < records; ++r) {
    const PerGpuDecodeHook::ModelledRecord& record = hook.modelled[r];
    hook.sums[r] = record.calls * (record.overhead * static_cast<double>(steps) + hook.sums[r]);
  }
}

absl::StatusOr<bool> Pipeline::ModelVaryingRecords(const DecodeAttentionBasis& basis, int64_t steps,
                                                   bool basis_at_hook_step,
                                                   PerGpuDecodeHook& hook) const {
  if (!basis_at_hook_step || hook.per_gpu_values == nullptr ||
      hook.per_gpu_values->size() != basis.records()) {
    return false;
  }
  // (in the hook's buffers: their capacity, and the models' storage, kept from the last sum)
  PerGpuDecodeHook::ModelRequest& asked = hook.model_request;
  asked.records.clear();
  asked.calls.clear();
  asked.which.clear();
  for (size_t r = 0; r < basis.records(); ++r) {
    if (!basis.varying(r)) continue;
    if (!basis.KeepsSigns(r, steps)) return false;
    asked.records.push_back(basis.base(r));
    asked.calls.push_back(static_cast<double>(basis.layers(r)));
    asked.which.push_back(r);
  }
  std::vector<RecordValueModel>& models = asked.models;
  models.resize(asked.records.size());
  const std::vector<size_t>& which = asked.which;
  ASSIGN_OR_RETURN(const bool has,
                   hook.value_models(asked.records, asked.calls, absl::MakeSpan(models)));
  if (!has) return false;
  hook.modelled.clear();
  const DecodeAttentionBasis::Offset checked_at =
      basis.OffsetOf(hook.per_gpu.context_tokens - scenario_->input_tokens);
  for (size_t i = 0; i < models.size(); ++i) {
    const RecordValueModel& model = models[i];
    if (model.pieces < 1 || model.pieces > RecordValueModel::kMostPieces) return false;
    PerGpuDecodeHook::ModelledRecord& record = hook.modelled.emplace_back();
    record.calls = model.calls;
    record.overhead = model.overhead;
    record.pieces = model.pieces;
    for (int p = 0; p < model.pieces; ++p) {
      basis.Along(which[i], model.piece[p].constant, model.piece[p].per_unit, record.lines[p]);
    }
    // The model must give the time the plugin gave for the step the basis was checked on.
    const double modelled = record.At(checked_at);
    const double timed = (*hook.per_gpu_values)[which[i]];
    if (!(std::fabs(modelled - timed) <=
          kModelTolerance * std::max(std::fabs(modelled), std::fabs(timed)))) {
      return false;
    }
  }
  return true;
}

absl::Status Pipeline::AddConstantRecords(const DecodeAttentionBasis& basis, int64_t steps,
                                          bool use_per_gpu_values, PerGpuDecodeHook& hook) const {
  // The records that do not change with the step, valued once: as the caller valued them on
  // its step (where the basis was checked), or asked of the hook.
  const size_t records = basis.records();
  const bool per_gpu = use_per_gpu_values && hook.per_gpu_values != nullptr &&
                       hook.per_gpu_values->size() == records;
  std::vector<double>& constants = hook.step_values;  // (asked: the constant records' in order)
  constants.clear();
  if (!per_gpu) {
    basis.At(1, hook.step_attention, DecodeAttentionBasis::Records::kConstant);
    RETURN_IF_ERROR(hook.values(hook.step_attention, constants));
  }
  size_t varying = 0;
  for (size_t r = 0; r < records; ++r) varying += basis.varying(r) ? 1 : 0;
  if ((!per_gpu && constants.size() + varying != records) || hook.sums.size() > varying) {
    return absl::InternalError(
        "a decode hook valued per record gave a different number of values than records");
  }
  // In record order, from the last (a varying record's sum moves up to its record's place, never
  // over one not yet moved).
  hook.sums.resize(records, 0.0);
  size_t next_varying = varying;
  size_t next_constant = constants.size();
  const double times = static_cast<double>(steps);
  for (size_t r = records; r-- > 0;) {
    if (basis.varying(r)) {
      hook.sums[r] = hook.sums[--next_varying];
    } else {
      hook.sums[r] = times * (per_gpu ? (*hook.per_gpu_values)[r] : constants[--next_constant]);
    }
  }
  return absl::OkStatus();
}

bool Pipeline::DeclaredDecodeBreaks(const Step& per_gpu_decode, int64_t first_context,
                                    int64_t last_context, DeclaredBreaks& breaks,
                                    bool& vetted) const {
  breaks.clear();
  vetted = false;
  if (last_context < first_context) return true;
  bool complete = true;
  bool all_vetted = kernel_.DecodeBreaksVetted();
  Step step = per_gpu_decode;
  step.kind = IC_STAGE_DECODE;
  step.query_tokens = 1;
  step.context_tokens = first_context;
  DeclaredStairs stairs;
  const auto take = [&]() {
    for (const ic_context_stairs& declared : stairs) {
      // A staircase too far off to shift into steps (context - input) is left to the search.
      if (declared.first >= first_context - (int64_t{1} << 62) &&
          declared.first <= last_context + (int64_t{1} << 62)) {
        breaks.push_back({declared.first, declared.period, declared.count});
      } else {
        complete = false;
      }
    }
  };
  for (const AttentionClass& c : attention_->classes()) {
    const VariantBinding& variant = attention_->variant(c.variant);
    const ic_stage stage = StageOf(step, c.layer);
    // What either plugin does not declare the sum searches for; so it does where a declaration
    // fails (the hint is optional, the sum exact without it, and the same call's real errors
    // surface from the phases themselves; infercost-conformance reports a failing one).
    all_vetted = all_vetted && variant.plugin.DecodeBreaksVetted();
    const absl::StatusOr<bool> variant_declared =
        variant.plugin.DecodeBreaks(variant.shape, stage, first_context, last_context, stairs);
    if (variant_declared.ok() && *variant_declared) {
      take();
    } else {
      complete = false;
    }
    const absl::StatusOr<bool> kernel_declared =
        kernel_.DecodeBreaks(variant.shape, stage, device_, first_context, last_context, stairs);
    if (kernel_declared.ok() && *kernel_declared) {
      take();
    } else {
      complete = false;
    }
  }
  vetted = complete && all_vetted;
  return complete;
}

}  // namespace infercost::framework
