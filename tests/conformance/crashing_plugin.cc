// An attention-variant plugin that segfaults inside emit_phases (a write through a null
// pointer), to prove that infercost-conformance isolates its checks: the runner must survive,
// report the crash as the failing checks (naming SIGSEGV and the call) and still finish the
// report. Its other functions work, so the handshake and the symbol check pass.
#include "infercost/sdk/plugin.h"

namespace {

// volatile: the compiler must not see (and fold or warn about) the null store.
int* volatile g_nowhere = nullptr;

class Crashing final : public infercost::sdk::AttentionVariant {
 public:
  static constexpr bool kThreadSafe = true;  // no member state
  double KvCacheBytesPerToken(const ic_attention_shape& shape, const ic_stage& stage) override {
    return 2.0 * static_cast<double>(shape.num_kv_heads) * static_cast<double>(shape.head_dim) *
           stage.kv_bytes_per_element;
  }

  void EmitPhases(const ic_attention_shape& /*shape*/, const ic_stage& /*stage*/,
                  const infercost::sdk::PhaseSink& /*sink*/) override {
    *g_nowhere = 42;  // SIGSEGV
  }
};

}  // namespace

INFERCOST_PLUGIN(Crashing, "conformance_crash", "1.0.0", "infercost tests",
                 "segfaults inside emit_phases (conformance isolation test)")
