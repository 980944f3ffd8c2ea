/* An attention-variant plugin built against a FUTURE minor of ABI 1 (INFERCOST_ABI_MINOR + 1).
 *
 * Every struct it hands the host is a bigger struct that embeds the v1.0 one first and appends
 * fields this host does not know: the plugin table, the kind table and each phase record. The
 * host must load it, read only the fields it knows (struct_size-gated) and never call or check
 * the new ones: the new function aborts, the new record field is NaN.
 *
 * Its toy cost model (one layer, one shard, whole batch):
 *   q_proj:    params = hidden_size * num_heads * head_dim, weight_bytes = params * wb
 *   qk_scores: matrix_flops = 2 * batch * num_heads * head_dim * query_tokens * context_tokens
 *   kv bytes per token = 2 * num_kv_heads * head_dim * kv_bytes_per_element */
#include <math.h>
#include <stdlib.h>

#include "abi_test_plugins.h"
#include "infercost/c/plugin.h"

/* ---- what a v1.1 header might have added ---- */
typedef struct future_plugin {
  ic_plugin v1_0;
  ic_string homepage;
  void (*on_unload)(void* instance);
} future_plugin;

typedef struct future_variant_table {
  ic_attention_variant_table v1_0;
  ic_error* (*prefix_cache_hit_rate)(void* instance, double* rate);
} future_variant_table;

typedef struct future_phase_cost {
  ic_phase_cost v1_0;
  double energy_joules; /* unknown to this host: left NaN on purpose */
  int64_t future_flags;
} future_phase_cost;

/* ---- the plugin ---- */
typedef struct instance {
  const ic_host_services* host;
} instance;

static instance the_instance;

static ic_error* Initialize(const ic_host_services* host, void** out) {
  static const char hello[] = "abi_newer_minor: initialized against an older host";
  if (IC_HAS_FIELD(host, ic_host_services, log) && host->log != NULL) {
    host->log(host->host_context, IC_LOG_DEBUG, (ic_string){hello, sizeof hello - 1});
  }
  the_instance.host = host;
  *out = &the_instance;
  return NULL;
}

static void Destroy(void* inst) { (void)inst; }

static void OnUnload(void* inst) {
  (void)inst;
  abort(); /* the host does not know this field and must never call it */
}

static ic_error* PrefixCacheHitRate(void* inst, double* rate) {
  (void)inst;
  (void)rate;
  abort(); /* the host does not know this field and must never call it */
}

static ic_error* Validate(void* inst, const ic_attention_shape* shape, int64_t tensor_parallel) {
  (void)inst;
  (void)shape;
  (void)tensor_parallel;
  return NULL;
}

static ic_error* KvCacheBytesPerToken(void* inst, const ic_attention_shape* shape,
                                      const ic_stage* stage, double* bytes) {
  (void)inst;
  *bytes =
      2.0 * (double)shape->num_kv_heads * (double)shape->head_dim * stage->kv_bytes_per_element;
  return NULL;
}

static ic_error* EmitPhases(void* inst, const ic_attention_shape* shape, const ic_stage* stage,
                            const ic_phase_sink* sink) {
  future_phase_cost q_proj = {0};
  future_phase_cost scores = {0};
  ic_error* error;
  (void)inst;

  q_proj.v1_0.struct_size = sizeof q_proj;
  q_proj.v1_0.phase = IC_PHASE_Q_PROJ;
  q_proj.v1_0.params =
      (double)shape->hidden_size * (double)shape->num_heads * (double)shape->head_dim;
  q_proj.v1_0.weight_bytes = q_proj.v1_0.params * stage->weight_bytes_per_element;
  q_proj.energy_joules = NAN;
  q_proj.future_flags = -1;
  error = sink->emit(sink->context, &q_proj.v1_0);
  if (error != NULL) return error;

  scores.v1_0.struct_size = sizeof scores;
  scores.v1_0.phase = IC_PHASE_QK_SCORES;
  scores.v1_0.matrix_flops = 2.0 * (double)stage->batch * (double)shape->num_heads *
                             (double)shape->head_dim * (double)stage->query_tokens *
                             (double)stage->context_tokens;
  scores.energy_joules = NAN;
  scores.future_flags = -1;
  return sink->emit(sink->context, &scores.v1_0);
}

static const future_variant_table variant_table = {
    {sizeof(future_variant_table), 0, Validate, KvCacheBytesPerToken, EmitPhases, NULL, NULL, NULL},
    PrefixCacheHitRate,
};

static const future_plugin plugin = {
    {
        sizeof(future_plugin),
        INFERCOST_ABI_MAJOR,
        ABI_TEST_NEWER_MINOR,
        IC_PLUGIN_KIND_ATTENTION_VARIANT,
        IC_PLUGIN_FLAG_THREAD_SAFE,
        LITERAL("abi_newer_minor"),
        LITERAL("1.1.0"),
        LITERAL("infercost tests"),
        LITERAL("built against a future ABI minor"),
        Initialize,
        Destroy,
        &variant_table,
    },
    LITERAL("https://example.com/abi_newer_minor"),
    OnUnload,
};

IC_EXPORT const ic_plugin* infercost_plugin_entry(void) { return &plugin.v1_0; }
