/* A raw C attention-variant plugin for the ABI tests, written against the C ABI only.
 *
 * Built many times from this one file (see tests/abi/CMakeLists.txt). With no ABI_CASE_* macro
 * it is a small, correct plugin; each ABI_CASE_* macro breaks exactly one thing in what the
 * library exposes. PLUGIN_NAME (a string literal) is the name in the plugin's table.
 *
 * Its toy cost model, for one layer, one shard, the whole batch:
 *   qk_scores: matrix_flops = 2 * batch * num_heads * head_dim * query_tokens * context_tokens
 *   kv bytes per token      = 2 * num_kv_heads * head_dim * kv_bytes_per_element
 * Its functions never touch the instance, so a test may call them after the instance is gone. */
#include <stddef.h>

#include "abi_test_plugins.h"
#include "infercost/c/plugin.h"

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined (a string literal)"
#endif

/* Some cases leave a function or table unreferenced; that is the point, not a warning. */
#define MAYBE_UNUSED __attribute__((unused))

MAYBE_UNUSED static int instance_token; /* what *instance points to; never written */

MAYBE_UNUSED static ic_error* Initialize(const ic_host_services* host, void** instance) {
#ifdef ABI_CASE_INIT_FAILS
  static const char message[] = ABI_TEST_INIT_FAILURE_MESSAGE;
  (void)instance;
  return host->make_error(host->host_context, ABI_TEST_INIT_FAILURE_CODE,
                          (ic_string){message, sizeof message - 1});
#else
  (void)host;
  *instance = &instance_token;
  return NULL;
#endif
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

#ifdef ABI_CASE_SEGFAULT_IN_EMIT
static int* volatile abi_case_nowhere = NULL;
#endif

MAYBE_UNUSED static ic_error* EmitPhases(void* instance, const ic_attention_shape* shape,
                                         const ic_stage* stage, const ic_phase_sink* sink) {
  ic_phase_cost cost = {0};
  (void)instance;
#ifdef ABI_CASE_SEGFAULT_IN_EMIT
  /* A write through a null pointer the compiler cannot see through: SIGSEGV in every call. */
  *abi_case_nowhere = 42;
#endif
  cost.struct_size = sizeof cost;
  cost.phase = IC_PHASE_QK_SCORES;
  cost.matrix_flops = 2.0 * (double)stage->batch * (double)shape->num_heads *
                      (double)shape->head_dim * (double)stage->query_tokens *
                      (double)stage->context_tokens;
  return sink->emit(sink->context, &cost);
}

MAYBE_UNUSED static const ic_attention_variant_table variant_table = {
    sizeof(ic_attention_variant_table),
    0,
    Validate,
    KvCacheBytesPerToken,
#ifdef ABI_CASE_NULL_FUNCTION
    NULL, /* emit_phases missing */
#else
    EmitPhases,
#endif
    NULL, /* classify_layer (ABI 1.1): optional, the host groups layers by kind */
    NULL, /* kv_state_bytes (ABI 1.1): optional, the host applies the 1.0 rule */
    NULL, /* decode_breaks (ABI 1.4): optional, the host finds the breaks itself */
};

MAYBE_UNUSED static const ic_plugin plugin = {
#ifdef ABI_CASE_SMALL_TABLE
    64, /* smaller than any ABI 1.x plugin table */
#else
    sizeof(ic_plugin),
#endif
#ifdef ABI_CASE_WRONG_MAJOR
    2, /* a plugin built against a future SDK 2.x */
#else
    INFERCOST_ABI_MAJOR,
#endif
    INFERCOST_ABI_MINOR,
#ifdef ABI_CASE_UNKNOWN_KIND
    42,
#else
    IC_PLUGIN_KIND_ATTENTION_VARIANT,
#endif
    IC_PLUGIN_FLAG_THREAD_SAFE,
#ifdef ABI_CASE_HUGE_NAME_SIZE
    {PLUGIN_NAME, (uint64_t)1 << 40}, /* a size far past the end of the string */
#else
    LITERAL(PLUGIN_NAME),
#endif
    LITERAL("1.0.0"),
    LITERAL("infercost tests"),
    LITERAL("raw C attention variant for the ABI tests"),
#ifdef ABI_CASE_NULL_INITIALIZE
    NULL,
#else
    Initialize,
#endif
    Destroy,
#ifdef ABI_CASE_NULL_KIND_TABLE
    NULL,
#else
    &variant_table,
#endif
};

#if defined(ABI_CASE_LEAKS_A_SYMBOL)
/* Built without the export map and hidden visibility, this helper leaks into the dynamic symbol
 * table; the export check must notice it. */
int abi_test_leaked_helper(void);
int abi_test_leaked_helper(void) { return 42; }
#endif

#if defined(ABI_CASE_NO_ENTRY)
/* A misspelt entry point: the library loads, but has no infercost_plugin_entry. */
const ic_plugin* infercost_plugin_entrypoint(void);
const ic_plugin* infercost_plugin_entrypoint(void) { return &plugin; }
#elif defined(ABI_CASE_NULL_TABLE)
IC_EXPORT const ic_plugin* infercost_plugin_entry(void) { return NULL; }
#else
IC_EXPORT const ic_plugin* infercost_plugin_entry(void) { return &plugin; }
#endif
