/* An attention-variant plugin (plain C ABI) whose emit_phases never returns, to prove that
 * infercost-conformance kills a check at its time limit and reports it (naming the call). Its
 * other functions work. It sleeps instead of spinning, so it costs no CPU while it waits. */
#include <unistd.h>

#include "infercost/c/plugin.h"

static int instance_token;

static ic_error* Initialize(const ic_host_services* host, void** instance) {
  (void)host;
  *instance = &instance_token;
  return NULL;
}

static void Destroy(void* instance) { (void)instance; }

static ic_error* Validate(void* instance, const ic_attention_shape* shape,
                          int64_t tensor_parallel) {
  (void)instance;
  (void)shape;
  (void)tensor_parallel;
  return NULL;
}

static ic_error* KvCacheBytesPerToken(void* instance, const ic_attention_shape* shape,
                                      const ic_stage* stage, double* bytes) {
  (void)instance;
  *bytes =
      2.0 * (double)shape->num_kv_heads * (double)shape->head_dim * stage->kv_bytes_per_element;
  return NULL;
}

static ic_error* EmitPhases(void* instance, const ic_attention_shape* shape, const ic_stage* stage,
                            const ic_phase_sink* sink) {
  (void)instance;
  (void)shape;
  (void)stage;
  (void)sink;
  for (;;) sleep(1); /* hangs */
  return NULL;       /* not reached */
}

static const ic_attention_variant_table variant_table = {sizeof(ic_attention_variant_table),
                                                         0,
                                                         Validate,
                                                         KvCacheBytesPerToken,
                                                         EmitPhases,
                                                         NULL,
                                                         NULL,
                                                         NULL};

static const ic_plugin plugin = {
    sizeof(ic_plugin),
    INFERCOST_ABI_MAJOR,
    INFERCOST_ABI_MINOR,
    IC_PLUGIN_KIND_ATTENTION_VARIANT,
    0, /* not thread-safe */
    {"conformance_hang", sizeof "conformance_hang" - 1},
    {"1.0.0", 5},
    {"infercost tests", sizeof "infercost tests" - 1},
    {"emit_phases never returns", sizeof "emit_phases never returns" - 1},
    Initialize,
    Destroy,
    &variant_table,
};

IC_EXPORT const ic_plugin* infercost_plugin_entry(void) { return &plugin; }
