// An attention-variant plugin written with the C++ SDK whose every function throws, to check
// that the INFERCOST_PLUGIN trampolines turn each exception into a host error and nothing
// crosses the ABI:
//   Validate             throws an int (not a std::exception)  -> INTERNAL
//   KvCacheBytesPerToken throws std::bad_alloc                 -> RESOURCE_EXHAUSTED
//   EmitPhases, prefill  throws std::runtime_error("boom")     -> INTERNAL, message has "boom"
//   EmitPhases, decode   throws sdk::Error(INVALID_ARGUMENT)   -> INVALID_ARGUMENT, its message
#include <new>
#include <stdexcept>

#include "abi_test_plugins.h"
#include "infercost/sdk/plugin.h"

namespace {

class Throwing final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
  void Validate(const ic_attention_shape& /*shape*/, int64_t /*tensor_parallel*/) override {
    throw 42;
  }

  double KvCacheBytesPerToken(const ic_attention_shape& /*shape*/,
                              const ic_stage& /*stage*/) override {
    throw std::bad_alloc();
  }

  void EmitPhases(const ic_attention_shape& /*shape*/, const ic_stage& stage,
                  const infercost::sdk::PhaseSink& sink) override {
    // One good record first: the host must discard it along with the failure.
    ic_phase_cost q_proj = infercost::sdk::MakePhaseCost(IC_PHASE_Q_PROJ);
    sink.Emit(q_proj);
    if (stage.kind == IC_STAGE_PREFILL) throw std::runtime_error(ABI_TEST_BOOM);
    throw infercost::sdk::Error(IC_STATUS_INVALID_ARGUMENT, ABI_TEST_DECODE_UNSUPPORTED);
  }
};

}  // namespace

INFERCOST_PLUGIN(Throwing, "abi_throwing", "1.0.0", "infercost tests",
                 "throws from every function (ABI tests)")
