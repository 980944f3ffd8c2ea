// Composes a scenario's model with its attention-variant and attention-kernel plugins into the
// per-phase ledger: attention phases from the plugins, every other phase from the framework's
// builtin formulas, per layer kind, multiplied by its layer count (cost does not grow with L).
//
//   ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(scenario, plugins));
//   ASSIGN_OR_RETURN(Ledger ledger, pipeline.Run());
//   ASSIGN_OR_RETURN(StageLedger step, pipeline.Evaluate(Step{...}));
#ifndef INFERCOST_FRAMEWORK_LEDGER_PIPELINE_H_
#define INFERCOST_FRAMEWORK_LEDGER_PIPELINE_H_

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "framework/abi/attention_kernel_plugin.h"
#include "framework/abi/attention_variant_plugin.h"
#include "framework/abi/context_stairs.h"
#include "framework/ledger/attention_layers.h"
#include "framework/ledger/attention_slice.h"
#include "framework/ledger/decode_attention_basis.h"
#include "framework/ledger/ledger.h"
#include "framework/ledger/piecewise_affine_sum.h"
#include "framework/ledger/record_value_model.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"

namespace infercost::framework {

// The declared decode breaks of a scenario's plugins (every class's variant and kernel), in
// contexts; held inline for the usual few.
using DeclaredBreaks = absl::InlinedVector<Staircase, 2 * kMostDeclaredStaircases>;

// Buffers a caller keeps across evaluations of steps, so that repeated ones allocate nothing.
struct EvaluationScratch {
  std::vector<AttentionSlice> attention;
  std::vector<ic_phase_cost> phases;
};

// Numbers summed over the decode steps (SumPerGpuDecode): at each step (context input + k,
// k = 1 .. output - 1) the pipeline evaluates attention in `per_gpu`'s layout and asks `values`
// for numbers of its records (e.g. each phase's seconds), summed into `sums`.
struct PerGpuDecodeHook {
  Step per_gpu;  // batch, tensor parallel, ... of one GPU; kind/tokens/context are set per step
  // The attention of `per_gpu` itself (a decode step), when already evaluated: a step of the sum
  // equal to it is not evaluated again (the sum's first probe is the mean context's step).
  const std::vector<AttentionSlice>* per_gpu_attention = nullptr;
  // The values `values` gives per_gpu_attention's records, when the caller has them (one per
  // record, in order: values_per_record): the records that do not change with the step are
  // then valued from these (the basis checked them on that step) instead of asked again.
  const std::vector<double>* per_gpu_values = nullptr;
  // The attention of `next_step`, when the caller evaluated it already: where that is the step
  // after the sum's last (context input + output, in per_gpu's layout: the memory model's end
  // of the answer), the basis may take it as a point instead of evaluating the last step.
  const std::vector<AttentionSlice>* next_attention = nullptr;
  Step next_step;
  std::function<absl::Status(const std::vector<AttentionSlice>& per_gpu,
                             std::vector<double>& values)>
      values;
  // Whether `values` gives exactly one value per record of the slices it is given, in order,
  // each from its record alone (e.g. each phase's seconds): the sum then asks it about the
  // records that change with the step only, and about the others once.
  bool values_per_record = false;
  // Optional, with values_per_record: the values `values` gives `records`, each at its
  // `calls` calls, as models of their fields (e.g. StepTimer::TimeModels), or false where one
  // has none. Where every record that changes with the step has one (and keeps its fields'
  // signs over the sum), the sum values those records from their models instead of calling
  // `values` at each sample.
  std::function<absl::StatusOr<bool>(absl::Span<const ic_phase_cost> records,
                                     absl::Span<const double> calls,
                                     absl::Span<RecordValueModel> models)>
      value_models;
  std::vector<double> sums;  // out: each value summed over the decode steps
  // Buffers of one step's attention and values, reused from step to step and from one sum to
  // the next (a hook kept across sums allocates nothing once they have grown).
  std::vector<AttentionSlice> step_attention;
  std::vector<double> step_values;
  DecodeAttentionBasis basis;
  // Each record that changes with the step, valued from its model: calls x (overhead + the
  // largest of its pieces along the steps).
  struct ModelledRecord {
    double calls = 1;
    double overhead = 0;
    int pieces = 0;
    std::array<DecodeAttentionBasis::Line, RecordValueModel::kMostPieces> lines{};
    // Its value at offset `at` of the basis.
    double At(DecodeAttentionBasis::Offset at) const {
      double largest = lines[0].At(at);
      for (int p = 1; p < pieces; ++p) largest = std::max(largest, lines[p].At(at));
      return calls * (overhead + largest);
    }
  };
  std::vector<ModelledRecord> modelled;
  // What the sum asks value_models: the varying records, their calls, where each is among the
  // basis's records, and the models value_models fills (the parts each model uses: the storage
  // is reused as it is, from one sum to the next).
  struct ModelRequest {
    std::vector<ic_phase_cost> records;
    std::vector<double> calls;
    std::vector<size_t> which;
    std::vector<RecordValueModel> models;
  };
  ModelRequest model_request;
};

class Pipeline {
 public:
  // Finds the scenario's plugins in `plugins`, checks the model's shape and options with the
  // variant and sorts the layers into the variant's classes.
  static absl::StatusOr<Pipeline> Create(const Scenario& scenario, const PluginSet& plugins);
  // This pipeline for `scenario`, when it has the structure this one was built for (the same
  // model, variant and kernel plugins, tensor parallelism, device sizes and precision): what
  // Create would return from the same plugins, without classifying the layers again (nor
  // copying `scenario`: the result refers to it, so use it only while `scenario` lives). nullopt
  // when any of them differs.
  std::optional<Pipeline> Rebind(const Scenario& scenario) const;

  // Every stage of the scenario: prefill, decode at the mean context, and the exact decode sum:
  // WholeModel of one GPU's ledgers of the scenario's layout (at its replica batch). A decode sum
  // (here and in SumPerGpuDecode) visits every step with DecodeSumMethod::kEveryStep; by default
  // it is summed in closed form over the stretches where what it sums is affine in the context,
  // visiting O(kinks x log steps) of them (framework/ledger/piecewise_affine_sum.h).
  absl::StatusOr<Ledger> Run() const;
  // The whole model's ledger from one GPU's prefill and decode-at-the-mean ledgers (computed
  // once by the caller): each WholeModelOf, and the exact decode sum of the whole model's
  // meters from the per-GPU attention at every step. The meters are an MoE expert group's mean
  // GPU's: ledgers of its busiest (moe_imbalance > 1) are evaluated again at imbalance 1 for them.
  absl::StatusOr<Ledger> WholeModel(const StageLedger& prefill_per_gpu,
                                    const StageLedger& decode_per_gpu) const;
  // The hook's sum over the decode steps (the per-GPU times a summary needs), from the same
  // per-GPU attention. Returns how many decode steps were evaluated.
  absl::StatusOr<int64_t> SumPerGpuDecode(PerGpuDecodeHook& hook) const;
  // One step of the model for an arbitrary batch / tokens / context.
  // `attention`, when given, receives the step's attention slices (AttentionByClass(step)).
  absl::StatusOr<StageLedger> Evaluate(const Step& step,
                                       std::vector<AttentionSlice>* attention = nullptr) const;
  // The same into `ledger` and `attention` (the step's attention slices), whose vectors'
  // capacity is reused: a caller evaluating many steps into the same two allocates nothing once
  // they have grown. Every field of `ledger` is set; with `whole_step_records` false its
  // `phases` and `totals` are not (AssembleStage), which a summary does not read.
  absl::Status EvaluateInto(const Step& step, StageLedger& ledger,
                            std::vector<AttentionSlice>& attention,
                            bool whole_step_records = true) const;
  // The largest activation_bytes of any one phase record of `step` (what the memory model's
  // activation peak starts from), without building the ledger. `scratch`, kept by a caller that
  // asks many times, holds the records meanwhile (its capacity reused: no allocation after the
  // first call). The host's own records (norms, FFN, the model's) come first: where one of them
  // already moves more than `enough`, that lower bound (above `enough`) is the answer and the
  // attention plugins are not asked (scratch.attention then holds no records of `step`).
  absl::StatusOr<double> LargestPhaseActivationBytes(
      const Step& step, EvaluationScratch& scratch,
      double enough = std::numeric_limits<double>::infinity()) const;
  // KV-cache bytes one token of one sequence adds to all layers of one shard (1: whole model),
  // before any window evicts it (a layer reading another's cache adds none).
  absl::StatusOr<double> KvCacheBytesPerToken(int64_t tensor_parallel) const;
  // KV/state bytes one sequence of `context_tokens` keeps on one shard, as the variant accounts
  // it per layer (full, windowed, shared, latent or constant-size state).
  absl::StatusOr<double> KvCacheBytesPerSequence(int64_t context_tokens,
                                                 int64_t tensor_parallel) const;
  // The attention phases (variant, then kernel) of `step`, one slice per attention class.
  absl::StatusOr<std::vector<AttentionSlice>> AttentionByClass(const Step& step) const;
  // The same into `slices`, whose vectors' capacity is reused.
  absl::Status AttentionByClassInto(const Step& step, std::vector<AttentionSlice>& slices) const;

  const Scenario& scenario() const { return *scenario_; }

 private:
  struct LayerKind {
    std::string name;
    int64_t layers;
    bool moe;
    size_t attention_class;  // index into AttentionLayers::classes()
  };
  Pipeline(Scenario scenario, AttentionKernelPlugin kernel,
           std::shared_ptr<const AttentionLayers> attention);
  // `structure`'s layers, plugins and device for `scenario` (Rebind).
  Pipeline(const Pipeline& structure, const Scenario& scenario);
  ic_stage StageOf(const Step& step, const ic_layer& layer) const;
  // The attention phases of one class at `step` into `phases` (capacity reused).
  absl::Status AttentionPhasesInto(const Step& step, size_t attention_class,
                                   std::vector<ic_phase_cost>& phases) const;
  // The decode steps' attention summed into `whole_model` (when not null; phases x layers) and
  // into hook->sums (when given); returns the steps evaluated.
  absl::StatusOr<int64_t> SumDecodeAttention(const Step& per_gpu_decode,
                                             std::vector<ic_phase_cost>* whole_model,
                                             PerGpuDecodeHook* hook) const;
  // Step k of the decode sum (context input + k) in `per_gpu_decode`'s layout.
  Step DecodeStepAt(const Step& per_gpu_decode, int64_t k) const;
  // Whether `hook` holds the attention of the step after the sum's last (hook->next_attention).
  bool NextStepKnown(const Step& per_gpu_decode, const PerGpuDecodeHook* hook) const;
  // Fits `basis` to the decode sum's steps (1 .. output - 1) from a few evaluated into
  // `scratch`, given every plugin's declared breaks (in steps), and checks it on one or two more
  // (the caller's mean step in `hook`, where it is one of them, serves as a point or the check,
  // costing nothing): false when the basis cannot represent the steps, would evaluate no fewer
  // steps than visiting each, or a check fails (every step is then evaluated). Adds the steps it
  // evaluated to `evaluated`. `next_is_known`: NextStepKnown(per_gpu_decode, hook).
  // `basis_at_hook_step`: the basis was fitted or checked on hook->per_gpu's step.
  // `vetted` (every declaring plugin's breaks were checked before it was loaded): where the
  // caller's step and the step after the last are known, the basis is fitted on them and at most
  // one more step, with no check (DecodeAttentionBasis::PlanFromKnownSteps).
  absl::StatusOr<bool> FitDecodeBasis(const Step& per_gpu_decode, const DeclaredBreaks& breaks,
                                      bool vetted, bool next_is_known, const PerGpuDecodeHook* hook,
                                      std::vector<AttentionSlice>& scratch,
                                      DecodeAttentionBasis& basis, int64_t& evaluated,
                                      bool& basis_at_hook_step) const;
  // After a sum of the records that change with the step only: the others' hook values x
  // `steps` added, and hook.sums put in record order.
  // With `use_per_gpu_values`, the constant records' values are hook.per_gpu_values' (the
  // basis was fitted or checked on hook.per_gpu's step).
  absl::Status AddConstantRecords(const DecodeAttentionBasis& basis, int64_t steps,
                                  bool use_per_gpu_values, PerGpuDecodeHook& hook) const;
  // The sums of hook.modelled over steps 1 .. `steps` in closed form, stair by stair (in each,
  // a record's value is its overhead plus the largest of its pieces, each affine in the step),
  // into hook.sums in their order.
  void SumModelledStairs(const DecodeAttentionBasis& basis, int64_t steps,
                         PerGpuDecodeHook& hook) const;
  // Fills hook.modelled from hook.value_models for every record of `basis` that changes with the
  // step: false (nothing to use) where one has no model or may change its fields' signs, or
  // where the models do not give the values hook.per_gpu_values holds for hook.per_gpu's step
  // (`basis_at_hook_step`: the basis was fitted or checked there; else nothing to check them
  // on, and false): a model is the plugin's word for its times, checked as its declared breaks are.
  absl::StatusOr<bool> ModelVaryingRecords(const DecodeAttentionBasis& basis, int64_t steps,
                                           bool basis_at_hook_step, PerGpuDecodeHook& hook) const;
  // The staircases of contexts in [first_context, last_context] where the attention variants'
  // decode phases or the kernel's rewrite of them stop being affine, as far as the plugins
  // declare them (ABI 1.4 decode_breaks; a failing declaration counts as none), over every
  // attention class, into `breaks` (contexts). True when every plugin declared its breaks
  // (none answered IC_BREAKS_UNKNOWN or failed): the records are then affine between them.
  // `vetted`: and every one of those plugins' declarations was checked before it was loaded
  // (DecodeBreaksVetted).
  bool DeclaredDecodeBreaks(const Step& per_gpu_decode, int64_t first_context, int64_t last_context,
                            DeclaredBreaks& breaks, bool& vetted) const;
  // One layer of `kind`'s phases (norms, the given attention, collectives, FFN), appended in
  // the order they are made; and the phases that run once per step (token ids, embedding,
  // final norm, LM head, sampling, one pipeline hand-off).
  void AppendLayerPhases(const LayerKind& kind, const Step& step,
                         const std::vector<ic_phase_cost>& attention,
                         std::vector<ic_phase_cost>& phases) const;
  void AppendModelPhases(const Step& step, std::vector<ic_phase_cost>& phases) const;

  // The scenario Create was given (what Rebind compares with), shared by the rebound copies.
  std::shared_ptr<const Scenario> built_for_;
  // The scenario evaluated: built_for_, or the one Rebind was given, which a rebound pipeline
  // only refers to (it must outlive the pipeline's use; PipelineCache hands a pipeline out for
  // one evaluation of that scenario).
  const Scenario* scenario_;
  AttentionKernelPlugin kernel_;
  std::shared_ptr<const AttentionLayers> attention_;
  ic_kernel_device device_;
  Precision precision_;
  std::shared_ptr<const std::vector<LayerKind>> layer_kinds_;  // shared by rebound copies
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_PIPELINE_H_
