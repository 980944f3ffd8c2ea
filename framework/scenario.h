// A scenario: everything one evaluation depends on (model, device, GPUs, dtypes, tokens,
// concurrency, kernels, engine). Built and validated from names by MakeScenario.
//
//   ScenarioRequest request;                    // defaults = the explainer's default scenario
//   ASSIGN_OR_RETURN(Scenario s, MakeScenario(request, presets));
#ifndef INFERCOST_FRAMEWORK_SCENARIO_H_
#define INFERCOST_FRAMEWORK_SCENARIO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/parallelism.h"
#include "infercost/c/attention_variant.h"
#include "registry/dtype.h"
#include "registry/engine.h"
#include "registry/hardware.h"
#include "registry/model.h"
#include "registry/presets.h"

namespace infercost::framework {

// What a user asks for, by name. Defaults are the explainer's default scenario
// (calculator-spec §3): Llama-3-70B, fp8 weights, fp8 KV, 500 in / 500 out, 2x H100 SXM,
// concurrency 1, flash attention.
// How the engine runs the requests: `static` is the explainer's per-step view (one batch of
// `concurrency` sequences prefilled together, then decoded together); `serving` is a continuously
// batched server's steady state at `concurrency` closed-loop clients (framework/serving/);
// `disagg` serves them from separate prefill and decode pools, the KV cache moving between them.
enum class ServingMode { kStatic, kServing, kDisagg };

// --mode disagg: one pool of identical workers, each a copy of the model on its own GPUs. Every
// field 0: the scenario's layout (--gpus, --tp, --pp, --dp, --ep), one worker.
struct PoolRequest {
  int64_t workers = 0;  // 0: 1
  int64_t gpus = 0;     // per worker; 0: tp x pp x dp when tp is given, else --gpus
  int64_t tp = 0;       // 0: the GPUs left after pp and dp
  int64_t pp = 0;       // 0: 1
  int64_t dp = 0;       // 0: 1 (attention data parallel ranks of a worker)
  int64_t ep = 0;       // 0: 1
  // Sequences per data-parallel rank and step; 0: prefill, the engine's token budget in whole
  // prompts (at least one); decode, what memory holds.
  int64_t max_batch = 0;
  bool Empty() const {
    return workers == 0 && gpus == 0 && tp == 0 && pp == 0 && dp == 0 && ep == 0 && max_batch == 0;
  }
  bool operator==(const PoolRequest&) const = default;
};

struct ScenarioRequest {
  std::string model = "llama-3-70b";
  std::string hardware = "h100-sxm";
  std::string engine = "ideal";
  int64_t gpus = 2;
  std::string weights = "fp8";
  // The routed experts' dtype; empty: --weights', or where the model's checkpoint of that dtype
  // quantizes only the routed experts (its [expert_only_quantization]), --weights for the experts
  // and the checkpoint's dtype for every other weight.
  std::string expert_weights;
  std::string activations = "bf16";
  std::string kv = "fp8";
  int64_t input_tokens = 500;
  int64_t output_tokens = 500;
  int64_t concurrency = 1;
  std::string attention_kernel = "flash";
  std::string attention_variant;  // empty: the model's own
  // Calibration overrides (unset = the engine preset's): fraction of peak matrix FLOP/s reached
  // by large matmuls ("MFU") and fraction of peak HBM bandwidth reached by large transfers, each
  // in [kMinEfficiency, 1].
  std::optional<double> matmul_efficiency;
  std::optional<double> bandwidth_efficiency;
  // Engine settings the run used that the preset does not describe, as (calibration key, value):
  // applied after the preset's per-device values, each checked against the key's range like a
  // preset value. A validation row sets these where the measured engine's version had other
  // defaults (e.g. ANL's TensorRT-LLM 0.11: decode_attention_single_block = 1).
  std::vector<std::pair<std::string, double>> engine_settings;
  // A context (input + output) beyond the model's max_context_tokens is refused unless this is
  // set; then it is evaluated with a warning.
  bool allow_beyond_context = false;
  // Parallelism (see parallelism.h): tp 0 = the GPUs left after pp and dp.
  int64_t tp = 0;
  int64_t pp = 1;
  int64_t dp = 1;
  int64_t ep = 1;
  double moe_imbalance = 1;  // busiest GPU's routed tokens over the mean (>= 1)
  // The engine's token budget per step as the deployment set it (--max-batched-tokens: vLLM's
  // --max-num-batched-tokens, TensorRT-LLM's max_num_tokens, SGLang's --max-prefill-tokens);
  // 0 = the engine preset's max_batched_tokens.
  int64_t max_batched_tokens = 0;
  // Options for the attention-variant plugin, "key=value" each (--variant-option); they
  // override the model's own ([variant] in its preset, or its config.json).
  std::vector<std::string> variant_options;
  // Shorthand for the variant option mla_form=VALUE (--mla-form); empty = not given.
  std::string mla_form;
  std::string mode = "static";  // --mode: static | serving | disagg
  // serving / disagg: requests per second arriving open loop (Poisson) instead of --concurrency
  // closed-loop clients; 0 = closed loop.
  double request_rate = 0;
  // --mode serving / disagg: each request's prompt and answer lengths drawn uniformly from
  // [ratio x input_tokens, input_tokens] and [ratio x output_tokens, output_tokens], as the
  // random datasets of vLLM's and InferenceX's benchmark_serving do (--random-range-ratio);
  // 1 = every request exactly input_tokens and output_tokens.
  double length_range_ratio = 1;
  PoolRequest prefill_pool;  // --mode disagg: --prefill-workers, --prefill-tp, ...
  PoolRequest decode_pool;   // --decode-workers, --decode-tp, ...
  // Speculative decoding (framework/speculation.h): tokens drafted per decode step
  // (--speculative-tokens; 0: none), the conditional acceptance rate of each drafted position
  // (--acceptance; the last repeats; empty: the default), and the draft's decoder layers per
  // drafted token (--draft-layers).
  int64_t speculative_tokens = 0;
  std::vector<double> acceptance;
  int64_t draft_layers = 1;

  bool operator==(const ScenarioRequest&) const = default;
};

// A resolved pool of --mode disagg.
struct Pool {
  int64_t workers = 1;
  int64_t gpus = 1;  // per worker = layout.tensor x layout.pipeline x layout.data
  Parallelism layout;
  int64_t max_batch = 0;  // per data-parallel rank and step; 0: the default (PoolRequest)
};

// How the exact decode sum (each output token's step at its own context) is computed: in
// closed form over the stretches where a step's attention costs and times are affine in the
// context, or by visiting every step (the reference the closed form is tested against).
enum class DecodeSumMethod { kPiecewiseAffine, kEveryStep };

// Speculative decoding as resolved (framework/speculation.h). tokens 0: none.
struct Speculation {
  int64_t tokens = 0;              // drafted per decode step and sequence
  std::vector<double> acceptance;  // one per drafted position (the request's, the last repeated)
  int64_t draft_layers = 1;        // decoder layers the draft runs per drafted token
  double tokens_per_step = 1;      // expected tokens each decode step adds to a sequence
};

struct Scenario {
  registry::Model model;
  registry::Hardware hardware;
  registry::Engine engine;               // calibrated for `hardware`, with the request's overrides
  std::string calibration_basis;         // how (framework/calibration.h)
  bool engine_fitted_on_device = true;   // the engine's preset was fitted on this device
  bool calibration_transferred = false;  // ... or moved here by measured device efficiency
  // The measured error of each regime (presets/error-bands.toml; null: none shipped).
  std::shared_ptr<const registry::ErrorBands> error_bands;
  // How far --mfu / --bw-efficiency moved the calibration: the largest ratio between an
  // overridden value and the preset's (1 = no override, 2 = twice or half the preset's).
  double calibration_override_ratio = 1;
  int64_t gpus = 1;
  registry::DType weights;         // every weight but the routed experts'
  registry::DType expert_weights;  // the routed experts' (= weights unless a request or the
                                   // model's checkpoint quantizes only them)
  registry::DType activations;
  registry::DType kv;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t concurrency = 1;
  ServingMode mode = ServingMode::kStatic;
  double request_rate = 0;        // requests/s, open loop (serving, disagg); 0: closed loop
  double length_range_ratio = 1;  // serving, disagg: the requests' shortest lengths over the stated
  // The parallel layout, resolved once (parallelism.h): GPUs = tensor x pipeline x data;
  // experts spread over `expert` GPUs.
  Parallelism layout;
  // --mode disagg: the two pools (otherwise unused). `gpus` and `layout` above are then the
  // decode pool's worker (the per-GPU ledgers and memory in a report are its).
  Pool prefill_pool, decode_pool;
  double moe_imbalance = 1;
  Speculation speculation;
  std::string attention_kernel;
  std::string attention_variant;  // resolved: the model's unless overridden
  // model.variant_options holds the model's options with the request's applied.
  // What the user should know before trusting the numbers (e.g. a context beyond the model's
  // maximum); the CLI prints each on stderr and the report lists them among its notes.
  std::vector<std::string> warnings;
  DecodeSumMethod decode_sum = DecodeSumMethod::kPiecewiseAffine;
};

// Largest token count accepted for input + output (keeps every product far inside double's
// exact-integer range and int64).
inline constexpr int64_t kMaxContextTokens = int64_t{1} << 24;  // 16,777,216
inline constexpr int64_t kMaxConcurrency = int64_t{1} << 20;
inline constexpr int64_t kMaxGpus = 65536;
// The smallest efficiency (--mfu, --bw-efficiency, engine presets) taken as physical: 0.1 % of
// peak. Below it a "fraction of peak" is a typo, and times grow without bound.
inline constexpr double kMinEfficiency = 1e-3;

// Resolves names against the presets and checks every number; errors name the flag, the value
// and what is allowed.
// "static" / "serving" / "disagg".
const char* ServingModeName(ServingMode mode);
// The mode a --mode value names ("" is static); the error says which values there are.
absl::StatusOr<ServingMode> ParseServingMode(std::string_view name);

// The scenario one worker of `pool` runs (its GPUs and layout; static mode).
Scenario PoolScenario(const Scenario& s, const Pool& pool);

absl::StatusOr<Scenario> MakeScenario(const ScenarioRequest& request,
                                      const registry::Presets& presets);

// The request fields MakeScenario resolves by name or that shape the model, device and engine
// (model, hardware, engine, dtypes, attention kernel and variant, variant options, --mfu,
// --bw-efficiency, engine settings, --max-batched-tokens) are equal in `a` and `b`; the others
// (GPUs, lengths, concurrency, layout, mode, request rate, pools, MoE imbalance, speculative
// decoding, --allow-beyond-context) may differ.
bool SameNamedFields(const ScenarioRequest& a, const ScenarioRequest& b);

// The numbers part of MakeScenario: checks `request`'s GPUs, lengths, concurrency, context, mode,
// request rate, layout, pools, MoE imbalance and speculative decoding and sets them (and the
// warnings they raise) on `scenario`, as MakeScenario does. On a scenario MakeScenario made from a
// request `a` with SameNamedFields(a, request), the outcome is MakeScenario(request)'s: the same
// scenario, or the same error (then `scenario`'s number fields are left half set; the next
// successful call sets them all). How a sweep moves from one point to the next without resolving
// names again.
absl::Status ApplyScenarioNumbers(const ScenarioRequest& request, Scenario& scenario);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SCENARIO_H_
