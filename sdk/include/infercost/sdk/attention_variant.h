// infercost C++ SDK — base class for attention-variant plugins.
//
//   class Gqa final : public infercost::sdk::AttentionVariant {
//    public:
//     static constexpr bool kThreadSafe = true;   // declared by the author; default: serialised
//     double KvCacheBytesPerToken(const ic_attention_shape&, const ic_stage&) override;
//     void EmitPhases(const ic_attention_shape&, const ic_stage&, const PhaseSink&) override;
//     // optional (ABI 1.1): per-layer classes and the state a sequence keeps per layer
//     uint64_t ClassifyLayer(const ic_attention_shape&, const ic_layer&) override;
//     double KvStateBytes(const ic_attention_shape&, const ic_stage&) override;
//     // optional (ABI 1.4): where its decode phases stop being affine in the context
//     int64_t DecodeBreaks(const ic_attention_shape&, const ic_stage&, int64_t first,
//                          int64_t last, ic_context_stairs*, uint64_t capacity) override;
//   };
//   INFERCOST_PLUGIN(Gqa, "gqa", "1.1.0", "infercost", "grouped-query attention");
//
// Options (the variant's hyper-parameters) are read with infercost::sdk::Options(shape); the
// layer being costed with LayerOf(stage).
#ifndef INFERCOST_SDK_ATTENTION_VARIANT_H_
#define INFERCOST_SDK_ATTENTION_VARIANT_H_

#include <cstdint>
#include <string_view>

#include "infercost/c/attention_variant.h"
#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/error.h"
#include "infercost/sdk/options.h"
#include "infercost/sdk/phase_sink.h"

namespace infercost::sdk {
inline namespace v1 {

class AttentionVariant {
 public:
  static constexpr ic_plugin_kind kKind = IC_PLUGIN_KIND_ATTENTION_VARIANT;
  virtual ~AttentionVariant() = default;
  // Throw Error(IC_STATUS_INVALID_ARGUMENT, ...) when the shape or an option does not suit the
  // variant. The default accepts any shape and rejects every option.
  virtual void Validate(const ic_attention_shape& shape, int64_t /*tensor_parallel*/) {
    Options(shape).RejectUnknown({}, "this");
  }
  // KV-cache bytes one token adds to one layer on one shard.
  virtual double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) = 0;
  // Emits one layer's attention phases on one shard for the whole batch of the stage
  // (LayerOf(stage) says which layer).
  virtual void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                          const PhaseSink& sink) = 0;
  // Layers with equal classes cost the same at every stage. Default: one class per layer kind.
  virtual uint64_t ClassifyLayer(const ic_attention_shape& /*shape*/, const ic_layer& layer) {
    return LayerKindClass(LayerKind(layer));
  }
  // Bytes one sequence keeps in layer LayerOf(stage) on one shard at stage.context_tokens.
  // Default: every token's K/V (KvCacheBytesPerToken x context).
  virtual double KvStateBytes(const ic_attention_shape& shape, const ic_stage& stage) {
    return KvCacheBytesPerToken(shape, stage) * static_cast<double>(stage.context_tokens);
  }
  // (ABI 1.4) Where the phases of decode steps like `stage` stop being affine in the context,
  // for contexts in [first_context, last_context]: writes up to `capacity` staircases (see
  // ic_context_stairs) and returns how many hold every break there (0: affine throughout;
  // attention_math::WindowDecodeBreaks for a window), or IC_BREAKS_UNKNOWN (the default: the
  // host finds them itself).
  virtual int64_t DecodeBreaks(const ic_attention_shape& /*shape*/, const ic_stage& /*stage*/,
                               int64_t /*first_context*/, int64_t /*last_context*/,
                               ic_context_stairs* /*stairs*/, uint64_t /*capacity*/) {
    return IC_BREAKS_UNKNOWN;
  }
};

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ATTENTION_VARIANT_H_
