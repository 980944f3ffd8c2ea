// Composes a scenario's model with its attention-variant and attention-kernel plugins into the
// per-phase ledger: attention phases from the plugins, every other phase from the framework's
// builtin formulas, per layer kind, multiplied by its layer count (cost does not grow with L).
//
//   ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Create(scenario, plugins));
//   ASSIGN_OR_RETURN(Ledger ledger, pipeline.Run());
//   ASSIGN_OR_RETURN(StageLedger step, pipeline.Evaluate(Step{...}));
#ifndef INFERCOST_FRAMEWORK_LEDGER_PIPELINE_H_
#define INFERCOST_FRAMEWORK_LEDGER_PIPELINE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/attention_kernel_plugin.h"
#include "framework/attention_variant_plugin.h"
#include "framework/ledger/ledger.h"
#include "framework/plugin_loader.h"
#include "framework/scenario.h"

namespace infercost::framework {

// The ABI view of a model's attention (window: the model's; see LayerKind for hybrids).
ic_attention_shape AttentionShapeOf(const registry::Model& model);

// One layer's attention phases and the number of layers that share them.
struct AttentionSlice {
  int64_t layers = 0;
  int64_t sliding_window = 0;
  std::vector<ic_phase_cost> phases;
};

class Pipeline {
 public:
  // Finds the scenario's plugins in `plugins` and checks the model's shape with the variant.
  static absl::StatusOr<Pipeline> Create(const Scenario& scenario, const PluginSet& plugins);

  // Every stage of the scenario: prefill, decode at the mean context, exact decode sum.
  absl::StatusOr<Ledger> Run() const;
  // One step of the model for an arbitrary batch / tokens / context.
  absl::StatusOr<StageLedger> Evaluate(const Step& step) const;
  // KV-cache bytes one token of one sequence adds to all layers of one shard (1: whole model),
  // before any sliding window evicts it.
  absl::StatusOr<double> KvCacheBytesPerToken(int64_t tensor_parallel) const;
  // KV-cache bytes one sequence of `context_tokens` holds on one shard: sliding-window layers
  // keep only their last `window` tokens.
  absl::StatusOr<double> KvCacheBytesPerSequence(int64_t context_tokens,
                                                 int64_t tensor_parallel) const;
  // The attention phases (variant, then kernel) of `step`, one slice per distinct window.
  absl::StatusOr<std::vector<AttentionSlice>> AttentionByWindow(const Step& step) const;

  const Scenario& scenario() const { return scenario_; }

 private:
  struct LayerKind {
    std::string name;
    int64_t layers;
    bool moe;
    int64_t sliding_window;  // 0 = full attention
  };
  Pipeline(Scenario scenario, AttentionVariantPlugin variant, AttentionKernelPlugin kernel);
  ic_stage StageOf(const Step& step) const;
  absl::StatusOr<std::vector<ic_phase_cost>> AttentionPhases(const Step& step,
                                                             int64_t sliding_window) const;
  absl::StatusOr<LayerGroup> EvaluateLayer(const LayerKind& kind, const Step& step,
                                           const std::vector<ic_phase_cost>& attention) const;

  Scenario scenario_;
  AttentionVariantPlugin variant_;
  AttentionKernelPlugin kernel_;
  ic_attention_shape shape_;
  ic_kernel_device device_;
  Precision precision_;
  std::vector<LayerKind> layer_kinds_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_PIPELINE_H_
