/* A plugin built against the FROZEN copy of the ABI 1.0 headers (tests/install/abi_v1_0_headers),
 * never against the current SDK: the proof that a binary a third party compiled for 1.0 keeps
 * loading and computing in every later 1.x host (sdk/ABI.md, "Minor window").
 *
 * Plain C11 against the raw tables, multi-head attention with the same formulas as the in-tree
 * "mha" plugin (sdk/include/infercost/sdk/attention_math.h), so that abi_v1_0_test can check the
 * current host gets identical phases from both. Registered as "abi10_mha".
 *
 * Do not edit the headers this is compiled against, and do not include anything from sdk/. */
#include <stddef.h>
#include <stdint.h>

#include "infercost/c/plugin.h"

#if INFERCOST_ABI_MAJOR != 1 || INFERCOST_ABI_MINOR != 0
#error "abi_v1_0_plugin.c must be compiled against the frozen ABI 1.0 headers"
#endif

static ic_string Str(const char* text) {
  ic_string s;
  s.data = text;
  s.size = 0;
  while (text[s.size] != '\0') ++s.size;
  return s;
}

/* Stateless: one instance, remembering the host that makes its errors. */
typedef struct Instance {
  const ic_host_services* host;
} Instance;
static Instance g_instance;

static ic_error* Fail(void* instance, ic_status_code code, const char* message) {
  const ic_host_services* host = instance ? ((Instance*)instance)->host : g_instance.host;
  return host->make_error(host->host_context, code, Str(message));
}

static ic_error* Initialize(const ic_host_services* host, void** instance) {
  if (host == NULL || instance == NULL || host->make_error == NULL) {
    return NULL; /* no host to make an error with; the host never does this */
  }
  if (host->struct_size < sizeof(ic_host_services)) {
    return host->make_error(host->host_context, IC_STATUS_FAILED_PRECONDITION,
                            Str("host services table older than ABI 1.0"));
  }
  g_instance.host = host;
  *instance = &g_instance;
  return NULL;
}

static void Destroy(void* instance) { (void)instance; }

static ic_error* CheckShape(void* instance, const ic_attention_shape* shape, int64_t tp) {
  if (shape == NULL || shape->struct_size < sizeof(ic_attention_shape)) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "shape is null or smaller than ABI 1.0");
  }
  if (shape->hidden_size <= 0 || shape->num_heads <= 0 || shape->head_dim <= 0 ||
      shape->v_head_dim < 0 || shape->sliding_window < 0) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT,
                "hidden_size, num_heads and head_dim must be positive");
  }
  if (tp <= 0 || shape->num_heads % tp != 0) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "tensor_parallel must divide num_heads");
  }
  return NULL;
}

/* NaN fails every comparison; infinities exceed DBL_MAX. */
static int FiniteNonNegative(double x) { return x >= 0 && x <= 1.7976931348623157e308; }

static ic_error* CheckStage(void* instance, const ic_stage* stage) {
  if (stage == NULL || stage->struct_size < sizeof(ic_stage)) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "stage is null or smaller than ABI 1.0");
  }
  if (stage->kind != IC_STAGE_PREFILL && stage->kind != IC_STAGE_DECODE) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "stage kind is neither prefill nor decode");
  }
  if (stage->batch <= 0 || stage->query_tokens <= 0 ||
      stage->context_tokens < stage->query_tokens) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "batch, query or context tokens invalid");
  }
  if (!FiniteNonNegative(stage->weight_bytes_per_element) ||
      !FiniteNonNegative(stage->activation_bytes_per_element) ||
      !FiniteNonNegative(stage->kv_bytes_per_element)) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "bytes per element must be finite and >= 0");
  }
  return NULL;
}

static ic_error* Validate(void* instance, const ic_attention_shape* shape, int64_t tp) {
  return CheckShape(instance, shape, tp);
}

static double ValueDim(const ic_attention_shape* shape) {
  return (double)(shape->v_head_dim > 0 ? shape->v_head_dim : shape->head_dim);
}

static ic_error* KvBytes(void* instance, const ic_attention_shape* shape, const ic_stage* stage,
                         double* bytes) {
  ic_error* error = CheckShape(instance, shape, stage ? stage->tensor_parallel : 0);
  if (error == NULL) error = CheckStage(instance, stage);
  if (error != NULL) return error;
  if (bytes == NULL) return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "bytes is null");
  const double kv_heads = (double)(shape->num_heads / stage->tensor_parallel);
  *bytes = kv_heads * ((double)shape->head_dim + ValueDim(shape)) * stage->kv_bytes_per_element;
  return NULL;
}

/* sum over the q new positions p = past+1..C of min(p, W) (W = 0: unbounded). */
static double Min(double a, double b) { return a < b ? a : b; }
static double Max(double a, double b) { return a > b ? a : b; }

static double Pairs(int64_t q, int64_t c, int64_t w) {
  const double past = (double)(c - q), last = (double)c, window = (double)w;
  const double ramp_end = w > 0 ? Min(last, window) : last;
  double pairs = 0;
  if (ramp_end > past) pairs += (past + 1 + ramp_end) * (ramp_end - past) / 2;
  if (w > 0) {
    const double capped_from = Max(past, window);
    if (last > capped_from) pairs += (last - capped_from) * window;
  }
  return pairs;
}

static double Keys(int64_t q, int64_t c, int64_t w) {
  if (w <= 0) return (double)c;
  return (double)(c < w + q - 1 ? c : w + q - 1);
}

static ic_phase_cost Phase(ic_phase_id id) {
  ic_phase_cost cost = {0};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = id;
  return cost;
}

static void Gemm(ic_phase_cost* cost, double m, double n, double k, double count) {
  cost->gemm_m = (int64_t)m;
  cost->gemm_n = (int64_t)n;
  cost->gemm_k = (int64_t)k;
  cost->gemm_count = (int64_t)count;
  cost->matrix_flops = 2.0 * m * n * k * count;
}

static ic_phase_cost Projection(ic_phase_id id, double tokens, double in, double out, double extra,
                                double wb) {
  ic_phase_cost cost = Phase(id);
  cost.params = in * out + extra;
  cost.weight_bytes = cost.params * wb;
  Gemm(&cost, tokens, out, in, 1);
  return cost;
}

static ic_error* EmitPhases(void* instance, const ic_attention_shape* shape, const ic_stage* stage,
                            const ic_phase_sink* sink) {
  ic_error* error = CheckShape(instance, shape, stage ? stage->tensor_parallel : 0);
  if (error == NULL) error = CheckStage(instance, stage);
  if (error != NULL) return error;
  if (sink == NULL || sink->emit == NULL) {
    return Fail(instance, IC_STATUS_INVALID_ARGUMENT, "sink is null");
  }
  const double batch = (double)stage->batch, q = (double)stage->query_tokens;
  const double tokens = batch * q;
  const double keys = Keys(stage->query_tokens, stage->context_tokens, shape->sliding_window);
  const double pairs = Pairs(stage->query_tokens, stage->context_tokens, shape->sliding_window);
  const double ab = stage->activation_bytes_per_element, kb = stage->kv_bytes_per_element;
  const double wb = stage->weight_bytes_per_element;
  const double d = (double)shape->hidden_size, dh = (double)shape->head_dim;
  const double dv = ValueDim(shape);
  const double heads = (double)(shape->num_heads / stage->tensor_parallel);
  const double kv = heads; /* multi-head: one K/V head per query head */
  const int qkv_bias = (shape->flags & IC_ATTENTION_FLAG_QKV_BIAS) != 0;
  const int o_bias = (shape->flags & IC_ATTENTION_FLAG_O_BIAS) != 0;
  ic_phase_cost phases[7];

  phases[0] = Projection(IC_PHASE_Q_PROJ, tokens, d, heads * dh, qkv_bias ? heads * dh : 0, wb);
  phases[0].activation_bytes = tokens * d * ab + tokens * heads * dh * ab;
  phases[1] = Projection(IC_PHASE_K_PROJ, tokens, d, kv * dh, qkv_bias ? kv * dh : 0, wb);
  phases[1].activation_bytes = tokens * d * ab;
  phases[1].kv_write_bytes = tokens * kv * dh * kb;
  phases[2] = Projection(IC_PHASE_V_PROJ, tokens, d, kv * dv, qkv_bias ? kv * dv : 0, wb);
  phases[2].activation_bytes = tokens * d * ab;
  phases[2].kv_write_bytes = tokens * kv * dv * kb;
  phases[3] = Phase(IC_PHASE_QK_SCORES);
  Gemm(&phases[3], q, keys, dh, batch * heads);
  phases[3].matrix_flops = 2 * batch * heads * dh * pairs;
  phases[3].kv_read_bytes = batch * keys * kv * dh * kb;
  phases[3].activation_bytes = tokens * heads * dh * ab;
  phases[4] = Phase(IC_PHASE_SOFTMAX);
  phases[4].vector_flops = 5 * batch * heads * pairs;
  phases[5] = Phase(IC_PHASE_ATTN_V);
  Gemm(&phases[5], q, dv, keys, batch * heads);
  phases[5].matrix_flops = 2 * batch * heads * dv * pairs;
  phases[5].kv_read_bytes = batch * keys * kv * dv * kb;
  phases[5].activation_bytes = tokens * heads * dv * ab;
  phases[6] = Projection(IC_PHASE_O_PROJ, tokens, heads * dv, d, o_bias ? d : 0, wb);
  phases[6].activation_bytes = tokens * heads * dv * ab + tokens * d * ab;

  for (int i = 0; i < 7; ++i) {
    error = sink->emit(sink->context, &phases[i]);
    if (error != NULL) return error; /* the host's error, unchanged */
  }
  return NULL;
}

static const ic_attention_variant_table kTable = {sizeof(ic_attention_variant_table), 0, Validate,
                                                  KvBytes, EmitPhases};

static ic_plugin kPlugin;

IC_EXPORT const ic_plugin* infercost_plugin_entry(void) {
  kPlugin.struct_size = sizeof(ic_plugin);
  kPlugin.abi_major = INFERCOST_ABI_MAJOR;
  kPlugin.abi_minor = INFERCOST_ABI_MINOR;
  kPlugin.kind = IC_PLUGIN_KIND_ATTENTION_VARIANT;
  kPlugin.flags = IC_PLUGIN_FLAG_THREAD_SAFE;
  kPlugin.name = Str("abi10_mha");
  kPlugin.version = Str("1.0.0");
  kPlugin.vendor = Str("infercost tests");
  kPlugin.description = Str("multi-head attention built against the frozen ABI 1.0 headers");
  kPlugin.initialize = Initialize;
  kPlugin.destroy = Destroy;
  kPlugin.kind_table = &kTable;
  return &kPlugin;
}
