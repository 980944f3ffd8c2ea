/* The C API from plain C11: create a context on the repo's presets and the build's plugins,
 * evaluate the default scenario, check the golden decode qk_scores FLOPs (2*64*128*750*80 =
 * 983,040,000) appear in the JSON, and check that bad input returns the right status and a
 * message, never a crash. Exit status 0 = pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infercost/infercost.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* 1 where `scenario` evaluates and its JSON holds `first` and (unless NULL) `second`. */
static int EvaluatesWith(infercost_context* ctx, const char* scenario, const char* first,
                         const char* second) {
  char* report = NULL;
  const int ok = infercost_evaluate(ctx, scenario, &report) == INFERCOST_OK && report != NULL &&
                 strstr(report, first) != NULL &&
                 (second == NULL || strstr(report, second) != NULL);
  infercost_free(report);
  return ok;
}

/* 1 where `scenario` is refused as an invalid argument (its message: infercost_last_error). */
static int IsRefused(infercost_context* ctx, const char* scenario) {
  char* report = NULL;
  const int refused = infercost_evaluate(ctx, scenario, &report) == INFERCOST_INVALID_ARGUMENT;
  infercost_free(report);
  return refused;
}

int main(void) {
  const char* options = "{\"plugin_dirs\": [\"" INFERCOST_TEST_PLUGIN_DIR
                        "\"], \"preset_dirs\": [\"" INFERCOST_TEST_PRESET_DIR
                        "\"], \"use_environment\": false, \"use_default_dirs\": false}";
  infercost_context* ctx = NULL;
  /* Issue 9: a typo in an option key is an error, not a context without plugins. */
  infercost_context* typo = NULL;
  CHECK(infercost_context_create("{\"plugin_dir\": []}", &typo) == INFERCOST_INVALID_ARGUMENT);
  CHECK(typo == NULL);
  CHECK(strstr(infercost_last_error(NULL), "unknown option key 'plugin_dir'") != NULL);
  CHECK(infercost_context_create(options, &ctx) == INFERCOST_OK);
  if (ctx == NULL) {
    fprintf(stderr, "create failed: %s\n", infercost_last_error(NULL));
    return 1;
  }
  CHECK(strstr(infercost_version(), "plugin ABI 1.5") != NULL);

  char* report = NULL;
  CHECK(infercost_evaluate(ctx, "{}", &report) == INFERCOST_OK);
  CHECK(report != NULL && strstr(report, "\"flops\": 983040000") != NULL);
  CHECK(report != NULL && strstr(report, "\"summary\"") != NULL);
  infercost_free(report);

  /* Serving mode through the C API: the JSON says which mode produced it; a bad mode is
     refused naming the API's key. */
  CHECK(EvaluatesWith(ctx, "{\"mode\": \"serving\", \"engine\": \"vllm\", \"concurrency\": 8}",
                      "\"mode\": \"serving\"", "\"requests_per_s\""));
  /* The deployment's token budget per step (max_batched_tokens) is in the report's scenario; a
     negative one is refused naming the API's key. */
  CHECK(EvaluatesWith(ctx,
                      "{\"mode\": \"serving\", \"engine\": \"vllm\", \"concurrency\": 8, "
                      "\"max_batched_tokens\": 3000}",
                      "\"max_batched_tokens\": 3000", NULL));
  CHECK(IsRefused(ctx, "{\"max_batched_tokens\": -1}"));
  CHECK(strstr(infercost_last_error(ctx), "max_batched_tokens = -1 must be") != NULL);
  /* Speculative decoding: one acceptance rate or an array of them; what a step adds is in the
     report's scenario (2 drafts at 0.5: 1 + 0.5 + 0.25 = 1.75); a bad rate is refused naming the
     API's key. */
  CHECK(EvaluatesWith(ctx, "{\"speculative_tokens\": 2, \"acceptance\": [0.5]}",
                      "\"tokens_per_step\": 1.75", NULL));
  CHECK(EvaluatesWith(ctx, "{\"speculative_tokens\": 2, \"acceptance\": 0.5}",
                      "\"tokens_per_step\": 1.75", NULL));
  CHECK(IsRefused(ctx, "{\"speculative_tokens\": 2, \"acceptance\": [2]}"));
  CHECK(strstr(infercost_last_error(ctx), "acceptance rate 2 must be in [0, 1]") != NULL);
  CHECK(IsRefused(ctx, "{\"speculative_tokens\": 1, \"acceptance\": \"high\"}"));
  CHECK(strstr(infercost_last_error(ctx), "\"acceptance\" must be a number or an array") != NULL);
  /* Disaggregated pools by the CLI's flag names with '_' (prefill_workers, decode_tp, ...). */
  CHECK(EvaluatesWith(ctx,
                      "{\"mode\": \"disagg\", \"engine\": \"vllm\", \"concurrency\": 8, "
                      "\"prefill_workers\": 2, \"decode_tp\": 2, \"decode_batch\": 4}",
                      "\"mode\": \"disagg\"", "\"kv_transfer_s\""));
  CHECK(IsRefused(ctx, "{\"mode\": \"disagg\", \"prefill_tp\": 3}"));
  CHECK(strstr(infercost_last_error(ctx), "prefill_tp 3") != NULL);
  CHECK(strstr(infercost_last_error(ctx), "--") == NULL);
  /* A pool's count given as 0 is refused, as the CLI's flag is (absent: the default). */
  CHECK(IsRefused(ctx, "{\"mode\": \"disagg\", \"decode_workers\": 0}"));
  CHECK(strcmp(infercost_last_error(ctx),
               "key 'decode_workers': 0 is not a count: give at least 1, or leave the key out for "
               "its default") == 0);
  CHECK(IsRefused(ctx, "{\"mode\": \"batch\"}"));
  CHECK(strstr(infercost_last_error(ctx), "mode \"batch\"") != NULL);

  /* Issue 13, point 5: many scenarios per call into caller memory, each with its status; the
     numbers are those of one infercost_evaluate call (its JSON's summary.tpot_s, printed to
     round-trip precision). */
  {
    const char* scenarios[3] = {"{\"model\": \"llama-3-8b\", \"gpus\": 1, \"engine\": \"vllm\"}",
                                "{\"gpus\": 3}", "{}"};
    infercost_summary results[3];
    memset(results, 0xff, sizeof(results));
    CHECK(infercost_evaluate_batch(ctx, scenarios, 3, results, sizeof(infercost_summary), 2) ==
          INFERCOST_INVALID_ARGUMENT);
    CHECK(strstr(infercost_last_error(ctx), "scenario 1: ") != NULL);
    CHECK(results[0].status == INFERCOST_OK && results[2].status == INFERCOST_OK);
    CHECK(results[1].status == INFERCOST_INVALID_ARGUMENT && results[1].tpot_s == 0);
    CHECK(results[0].fits == 1 && results[0].max_concurrency > 0);
    CHECK(results[0].tpot_low_s < results[0].tpot_s && results[0].tpot_s < results[0].tpot_high_s);
    report = NULL;
    CHECK(infercost_evaluate(ctx, scenarios[0], &report) == INFERCOST_OK);
    const char* tpot = report != NULL ? strstr(report, "\"tpot_s\": ") : NULL;
    CHECK(tpot != NULL && strtod(tpot + strlen("\"tpot_s\": "), NULL) == results[0].tpot_s);
    infercost_free(report);
    CHECK(infercost_evaluate_batch(ctx, scenarios, 1, results, 4, 1) ==
          INFERCOST_INVALID_ARGUMENT); /* not an infercost_summary */
    CHECK(infercost_evaluate_batch(ctx, scenarios, 0, NULL, sizeof(infercost_summary), 0) ==
          INFERCOST_OK);
  }

  report = NULL;
  CHECK(infercost_evaluate(ctx, "{\"model\": \"no-such-model\"}", &report) == INFERCOST_NOT_FOUND);
  CHECK(report == NULL);
  CHECK(strstr(infercost_last_error(ctx), "llama-3-70b") != NULL); /* lists the models */

  CHECK(infercost_evaluate(ctx, "{\"gpus\": 3}", &report) == INFERCOST_INVALID_ARGUMENT);
  /* Messages name the API's keys, not the CLI's flags. */
  CHECK(strstr(infercost_last_error(ctx), "tp 1 pp 1 dp 3") != NULL);
  CHECK(strstr(infercost_last_error(ctx), "--") == NULL);
  /* Issue 9: integers from floats are refused unless whole and in range. */
  CHECK(infercost_evaluate(ctx, "{\"gpus\": 2.9}", &report) == INFERCOST_INVALID_ARGUMENT);
  CHECK(strstr(infercost_last_error(ctx), "'gpus'") != NULL);
  CHECK(infercost_evaluate(ctx, "{\"pp\": 1e300}", &report) == INFERCOST_INVALID_ARGUMENT);
  CHECK(infercost_evaluate(ctx, "{\"pp\": 4294967296, \"dp\": 4294967296}", &report) ==
        INFERCOST_INVALID_ARGUMENT);
  CHECK(strstr(infercost_last_error(ctx), "pp = 4294967296 exceeds gpus 2") != NULL);
  CHECK(infercost_evaluate(ctx, "{\"gpus\": 18446744073709551615}", &report) ==
        INFERCOST_INVALID_ARGUMENT);
  CHECK(infercost_evaluate(ctx, "{\"gpus\": 2.0}", &report) == INFERCOST_OK);
  infercost_free(report);
  report = NULL;
  CHECK(infercost_evaluate(ctx, "{\"mfu\": 0}", &report) == INFERCOST_INVALID_ARGUMENT);
  CHECK(strstr(infercost_last_error(ctx), "mfu") != NULL);
  /* Variant options: an object of names to values; the variant judges them, and its message
   * names the C API's key, not the CLI's flag. */
  CHECK(infercost_evaluate(ctx, "{\"variant_options\": {\"nosuch\": 1}}", &report) ==
        INFERCOST_INVALID_ARGUMENT);
  CHECK(strstr(infercost_last_error(ctx), "option nosuch is not an option of the gqa variant") !=
        NULL);
  CHECK(strstr(infercost_last_error(ctx), "(set in variant_options)") != NULL);
  CHECK(infercost_evaluate(ctx, "{\"variant_options\": [1]}", &report) ==
        INFERCOST_INVALID_ARGUMENT);
  CHECK(infercost_evaluate(ctx,
                           "{\"model\": \"deepseek-v3\", \"gpus\": 8, "
                           "\"variant_options\": {\"mla_form\": \"absorbed\"}}",
                           &report) == INFERCOST_OK);
  infercost_free(report);
  report = NULL;
  CHECK(infercost_evaluate(ctx, "{\"gpu\": 2}", &report) == INFERCOST_INVALID_ARGUMENT);
  CHECK(strstr(infercost_last_error(ctx), "unknown scenario key 'gpu'") != NULL);
  CHECK(infercost_evaluate(ctx, "{\"gpus\": \"two\"}", &report) == INFERCOST_INVALID_ARGUMENT);
  CHECK(infercost_evaluate(ctx, "not json", &report) == INFERCOST_INVALID_ARGUMENT);
  CHECK(infercost_evaluate(NULL, "{}", &report) == INFERCOST_INVALID_ARGUMENT);

  char* catalog = NULL;
  CHECK(infercost_catalog(ctx, &catalog) == INFERCOST_OK);
  CHECK(catalog != NULL && strstr(catalog, "\"deepseek-v3\"") != NULL);
  CHECK(catalog != NULL && strstr(catalog, "\"roofline\"") != NULL);
  infercost_free(catalog);

  infercost_context_destroy(ctx);

  /* Issue 9: a third-party "gqa" is refused beside the host's own unless plugin_overrides names
   * it; the catalog says which one won and why. */
  const char* shadowed =
      "{\"plugin_dirs\": [\"" INFERCOST_TEST_SHADOW_PLUGIN_DIR "\", \"" INFERCOST_TEST_PLUGIN_DIR
      "\"], \"preset_dirs\": [\"" INFERCOST_TEST_PRESET_DIR
      "\"], \"use_environment\": false, \"use_default_dirs\": false%s}";
  char options_text[2048];
  infercost_context* shadow = NULL;
  snprintf(options_text, sizeof options_text, shadowed, "");
  CHECK(infercost_context_create(options_text, &shadow) == INFERCOST_OK);
  catalog = NULL;
  CHECK(shadow != NULL && infercost_catalog(shadow, &catalog) == INFERCOST_OK);
  CHECK(catalog != NULL && strstr(catalog, "the host's own plugin (") != NULL);
  CHECK(catalog != NULL && strstr(catalog, "pass plugin_overrides gqa") != NULL);
  infercost_free(catalog);
  infercost_context_destroy(shadow);
  shadow = NULL;
  snprintf(options_text, sizeof options_text, shadowed, ", \"plugin_overrides\": [\"gqa\"]");
  CHECK(infercost_context_create(options_text, &shadow) == INFERCOST_OK);
  catalog = NULL;
  CHECK(shadow != NULL && infercost_catalog(shadow, &catalog) == INFERCOST_OK);
  CHECK(catalog != NULL && strstr(catalog, "replaces the host's own 'gqa'") != NULL);
  CHECK(catalog != NULL && strstr(catalog, "overridden by") != NULL);
  infercost_free(catalog);
  infercost_context_destroy(shadow);
  shadow = NULL;
  CHECK(infercost_context_create("{\"plugin_overrides\": \"gqa\"}", &shadow) ==
        INFERCOST_INVALID_ARGUMENT);
  CHECK(strstr(infercost_last_error(NULL), "'plugin_overrides'") != NULL);
  CHECK(infercost_context_create("{\"probe_plugins\": 1}", &shadow) == INFERCOST_INVALID_ARGUMENT);
  CHECK(shadow == NULL);

  if (failures == 0) puts("c_api_test: all checks passed");
  return failures == 0 ? 0 : 1;
}
