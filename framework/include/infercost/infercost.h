/* infercost C API — embed the framework from C or any language with a C FFI.
 *
 * Opaque handles, status codes (absl-compatible numbers), JSON in and out. A context holds the
 * presets and the loaded plugins; it is immutable after creation, so one context may serve
 * several threads at once (each call allocates its own result).
 *
 *   infercost_context* ctx = NULL;
 *   if (infercost_context_create("{}", &ctx) != INFERCOST_OK) { ... }
 *   char* report = NULL;
 *   if (infercost_evaluate(ctx, "{\"model\": \"llama-3-8b\", \"gpus\": 1}", &report) ==
 *       INFERCOST_OK) {
 *     puts(report);            // the JSON of `infercost report --format json`
 *     infercost_free(report);
 *   } else {
 *     fprintf(stderr, "%s\n", infercost_last_error(ctx));
 *   }
 *   infercost_context_destroy(ctx);
 */
#ifndef INFERCOST_INFERCOST_H_
#define INFERCOST_INFERCOST_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct infercost_context infercost_context;

/* Numerically identical to absl::StatusCode. */
typedef enum infercost_status {
  INFERCOST_OK = 0,
  INFERCOST_INVALID_ARGUMENT = 3,
  INFERCOST_NOT_FOUND = 5,
  INFERCOST_FAILED_PRECONDITION = 9,
  INFERCOST_OUT_OF_RANGE = 11,
  INFERCOST_INTERNAL = 13,
  INFERCOST_UNKNOWN = 2
} infercost_status;

/* e.g. "0.1.0 (plugin ABI 1.5)"; static storage. */
const char* infercost_version(void);

/* Creates a context. `options_json` (may be NULL or "{}"):
 *   {"plugin_dirs": ["dir", ...], "preset_dirs": ["dir", ...],
 *    "use_environment": true, "use_default_dirs": true,
 *    "plugin_overrides": ["name", ...], "probe_plugins": true}
 * Plugin and preset directories are searched before $INFERCOST_PLUGIN_PATH /
 * $INFERCOST_PRESET_PATH and the built-in locations (unless switched off). A third-party plugin
 * named like one of the host's own is refused unless its name is in "plugin_overrides"; each
 * third-party plugin is first probed in a child process (docs/plugin-trust.md) unless
 * "probe_plugins" is false. Unknown keys are an error. On failure *out is NULL and the message is
 * available from infercost_last_error(NULL). */
infercost_status infercost_context_create(const char* options_json, infercost_context** out);
void infercost_context_destroy(infercost_context* context);

/* Evaluates one scenario. `scenario_json` has the keys of `infercost report`'s flags (all
 * optional; defaults = the explainer's default scenario): model, hardware, engine, gpus, tp, pp,
 * dp, ep, weights, activations, kv, input_tokens, output_tokens, concurrency, attention_kernel,
 * attention_variant, variant_options ({"name": value, ...}), mla_form, moe_imbalance, mfu,
 * bw_efficiency. On success *result_json is the
 * report (schema: docs/report-schema.md), to be released with infercost_free. */
infercost_status infercost_evaluate(infercost_context* context, const char* scenario_json,
                                    char** result_json);

/* The headline numbers of one scenario, for many-scenario calls. Fields may be appended in later
 * versions (never reordered): callers pass sizeof(infercost_summary) as `result_size`. */
typedef struct infercost_summary {
  int32_t status; /* infercost_status of this scenario (the rest is 0 unless INFERCOST_OK) */
  int32_t fits;   /* 1: the batch fits in memory at once */
  double ttft_s, tpot_s, e2e_s;
  double tokens_per_s_per_user, tokens_per_s_aggregate, tokens_per_s_per_gpu;
  double weights_bytes_per_gpu, kv_bytes_per_gpu, activation_bytes_per_gpu, free_bytes_per_gpu;
  int64_t max_concurrency;
  double usd_per_million_input_tokens, usd_per_million_output_tokens;
  /* The measured error band of each time (summary.bands of the report). */
  double ttft_low_s, ttft_high_s, tpot_low_s, tpot_high_s, e2e_low_s, e2e_high_s;
} infercost_summary;

/* Evaluates `count` scenarios (each JSON as infercost_evaluate takes) on up to `threads` threads
 * (0: one per hardware thread), writing results[i] for scenarios[i] into the caller's array of
 * `count` elements of `result_size` bytes each (sizeof(infercost_summary) of the caller's
 * header; a smaller one from an older header gets the fields it has). Each result carries its own
 * status; a bad scenario does not stop the others. Returns INFERCOST_OK when every scenario was
 * evaluated, else the first failing one's status, with "scenario i: message" from
 * infercost_last_error. Thread-safe like infercost_evaluate. */
infercost_status infercost_evaluate_batch(infercost_context* context,
                                          const char* const* scenarios_json, size_t count,
                                          infercost_summary* results, size_t result_size,
                                          int threads);

/* What the context knows, as JSON: {"models": [...], "hardware": [...], "engines": [...],
 * "plugins": {"loaded": [...], "rejected": [...]}}. Release with infercost_free. */
infercost_status infercost_catalog(infercost_context* context, char** catalog_json);

/* The message of the calling thread's last failed call ("" if none). Valid until the thread's
 * next call. `context` may be NULL. */
const char* infercost_last_error(const infercost_context* context);

void infercost_free(char* text);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_INFERCOST_H_ */
