/* host_c: embedding infercost from C.
 *
 * Creates a context (presets + plugins of the installed package), evaluates two scenarios given
 * as JSON — the same keys as `infercost report`'s flags — and prints a few numbers picked out of
 * the JSON report. A real host would hand the JSON to its own parser; this example only searches
 * for a key, to stay dependency-free.
 *
 *   host_c [SCENARIO_JSON]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infercost/infercost.h"

/* The number after "key": in `json` (first occurrence), or -1. */
static double NumberAfter(const char* json, const char* key) {
  char needle[64];
  snprintf(needle, sizeof needle, "\"%s\": ", key);
  const char* at = strstr(json, needle);
  return at != NULL ? strtod(at + strlen(needle), NULL) : -1.0;
}

static int Evaluate(infercost_context* ctx, const char* scenario) {
  char* report = NULL;
  if (infercost_evaluate(ctx, scenario, &report) != INFERCOST_OK) {
    fprintf(stderr, "host_c: %s: %s\n", scenario, infercost_last_error(ctx));
    return 1;
  }
  printf("%s\n  TTFT %.1f ms, TPOT %.2f ms, %.1f tok/s per user, $%.3f per million output tokens\n",
         scenario, 1e3 * NumberAfter(report, "ttft_s"), 1e3 * NumberAfter(report, "tpot_s"),
         NumberAfter(report, "tokens_per_s_per_user"),
         NumberAfter(report, "usd_per_million_output_tokens"));
  infercost_free(report);
  return 0;
}

int main(int argc, char** argv) {
  printf("infercost %s\n", infercost_version());
  infercost_context* ctx = NULL;
  if (infercost_context_create("{}", &ctx) != INFERCOST_OK) {
    fprintf(stderr, "host_c: %s\n", infercost_last_error(NULL));
    return 1;
  }
  int failures = 0;
  if (argc > 1) {
    failures += Evaluate(ctx, argv[1]);
  } else {
    failures += Evaluate(ctx, "{\"model\": \"llama-3-8b\", \"gpus\": 1, \"weights\": \"bf16\"}");
    failures += Evaluate(ctx, "{\"model\": \"llama-3-70b\", \"gpus\": 4, \"concurrency\": 16}");
  }
  /* Bad input comes back as a status and a message that says what to change. */
  char* report = NULL;
  if (infercost_evaluate(ctx, "{\"model\": \"llama-9\"}", &report) == INFERCOST_NOT_FOUND) {
    printf("as expected, an unknown model is refused: %.60s...\n", infercost_last_error(ctx));
  }
  infercost_context_destroy(ctx);
  return failures == 0 ? 0 : 1;
}
