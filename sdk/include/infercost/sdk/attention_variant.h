// infercost C++ SDK — base class for attention-variant plugins.
//
//   class Gqa final : public infercost::sdk::AttentionVariant {
//     double KvCacheBytesPerToken(const ic_attention_shape&, const ic_stage&) override;
//     void EmitPhases(const ic_attention_shape&, const ic_stage&, const PhaseSink&) override;
//   };
//   INFERCOST_PLUGIN(Gqa, "gqa", "1.0.0", "infercost", "grouped-query attention");
#ifndef INFERCOST_SDK_ATTENTION_VARIANT_H_
#define INFERCOST_SDK_ATTENTION_VARIANT_H_

#include <cstdint>

#include "infercost/c/attention_variant.h"
#include "infercost/sdk/error.h"
#include "infercost/sdk/phase_sink.h"

namespace infercost::sdk {
inline namespace v1 {

class AttentionVariant {
 public:
  static constexpr ic_plugin_kind kKind = IC_PLUGIN_KIND_ATTENTION_VARIANT;
  virtual ~AttentionVariant() = default;
  // Throw Error(IC_STATUS_INVALID_ARGUMENT, ...) when the shape does not suit the variant.
  virtual void Validate(const ic_attention_shape& /*shape*/, int64_t /*tensor_parallel*/) {}
  // KV-cache bytes one token adds to one layer on one shard.
  virtual double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) = 0;
  // Emits one layer's attention phases on one shard for the whole batch of the stage.
  virtual void EmitPhases(const ic_attention_shape& shape, const ic_stage& stage,
                          const PhaseSink& sink) = 0;
};

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ATTENTION_VARIANT_H_
