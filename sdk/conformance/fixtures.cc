#include "fixtures.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "infercost/sdk/abi_support.h"

namespace infercost::conformance {
namespace {

ic_phase_cost Record(ic_phase_id phase) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof cost;
  cost.phase = phase;
  return cost;
}

ic_phase_cost Projection(ic_phase_id phase, double tokens, double in, double out, double wb,
                         double ab) {
  ic_phase_cost cost = Record(phase);
  cost.params = in * out;
  cost.weight_bytes = cost.params * wb;
  cost.matrix_flops = 2 * tokens * in * out;
  cost.activation_bytes = tokens * (in + out) * ab;
  cost.gemm_m = static_cast<int64_t>(tokens);
  cost.gemm_n = static_cast<int64_t>(out);
  cost.gemm_k = static_cast<int64_t>(in);
  cost.gemm_count = 1;
  return cost;
}

}  // namespace

ic_attention_shape ReferenceShape(int64_t sliding_window) {
  ic_attention_shape shape{};
  shape.struct_size = sizeof shape;
  shape.flags = 0;
  shape.hidden_size = 2048;
  shape.num_heads = 16;
  shape.num_kv_heads = 4;
  shape.head_dim = 192;  // = qk_nope_head_dim + qk_rope_head_dim, so MLA accepts it too
  shape.v_head_dim = 128;
  shape.q_lora_rank = 512;
  shape.kv_lora_rank = 256;
  shape.qk_nope_head_dim = 128;
  shape.qk_rope_head_dim = 64;
  shape.sliding_window = sliding_window;
  return shape;
}

namespace {

// Option records the candidate shapes carry (ABI 1.1). Built once, before any check forks.
struct OptionStore {
  std::vector<std::unique_ptr<std::string>> strings;  // stable addresses for ic_string
  std::vector<ic_option> extra;                       // --variant-option, on every candidate
  std::vector<ic_option> latent;                      // MLA-style ranks + extra
};

OptionStore& Store() {
  static OptionStore store;
  return store;
}

ic_string Keep(std::string text) {
  Store().strings.push_back(std::make_unique<std::string>(std::move(text)));
  const std::string& kept = *Store().strings.back();
  return ic_string{kept.data(), kept.size()};
}

const std::vector<ic_option>& LatentOptions() {
  OptionStore& store = Store();
  if (store.latent.empty()) {
    // The reference shape's ranks, for variants that take them as options (MLA in ABI 1.1).
    const char* kSource = "infercost-conformance reference shape";
    store.latent = {IntOption("q_lora_rank", 512, kSource), IntOption("kv_lora_rank", 256, kSource),
                    IntOption("qk_nope_head_dim", 128, kSource),
                    IntOption("qk_rope_head_dim", 64, kSource),
                    IntOption("v_head_dim", 128, kSource)};
    store.latent.insert(store.latent.end(), store.extra.begin(), store.extra.end());
  }
  return store.latent;
}

ic_attention_shape WithOptions(ic_attention_shape shape, const std::vector<ic_option>& options) {
  shape.options = options.empty() ? nullptr : options.data();
  shape.option_count = options.size();
  shape.option_size = sizeof(ic_option);
  shape.num_layers = 4;
  return shape;
}

}  // namespace

ic_option IntOption(const std::string& name, int64_t value, const std::string& source) {
  ic_option option{};
  option.struct_size = sizeof option;
  option.type = IC_VALUE_INT;
  option.name = Keep(name);
  option.int_value = value;
  option.float_value = static_cast<double>(value);
  option.source = Keep(source);
  return option;
}

ic_option StringOption(const std::string& name, const std::string& value,
                       const std::string& source) {
  ic_option option{};
  option.struct_size = sizeof option;
  option.type = IC_VALUE_STRING;
  option.name = Keep(name);
  option.string_value = Keep(value);
  option.source = Keep(source);
  return option;
}

bool AddCandidateOption(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == assignment.size()) return false;
  ic_option option{};
  option.struct_size = sizeof option;
  option.name = Keep(assignment.substr(0, eq));
  option.source = Keep("--variant-option");
  const std::string value = assignment.substr(eq + 1);
  char* end = nullptr;
  const long long integer = std::strtoll(value.c_str(), &end, 10);
  if (end != nullptr && *end == '\0') {
    option.type = IC_VALUE_INT;
    option.int_value = integer;
    option.float_value = static_cast<double>(integer);
  } else if (const double number = std::strtod(value.c_str(), &end);
             end != nullptr && *end == '\0') {
    option.type = IC_VALUE_FLOAT;
    option.float_value = number;
  } else if (value == "true" || value == "false") {
    option.type = IC_VALUE_BOOL;
    option.int_value = value == "true" ? 1 : 0;
  } else {
    option.type = IC_VALUE_STRING;
    option.string_value = Keep(value);
  }
  Store().extra.push_back(option);
  return true;
}

std::vector<ic_attention_shape> CandidateShapes() {
  const std::vector<ic_option>& extra = Store().extra;
  return {WithOptions(ReferenceShape(0), extra), WithOptions(ReferenceShape(256), extra),
          WithOptions(ReferenceShape(4096), extra),
          WithOptions(ReferenceShape(0), LatentOptions())};
}

ic_stage MakeStage(ic_stage_kind kind, int64_t batch, int64_t query_tokens, int64_t context_tokens,
                   int64_t tensor_parallel) {
  ic_stage stage{};
  stage.struct_size = sizeof stage;
  stage.kind = kind;
  stage.batch = batch;
  stage.query_tokens = query_tokens;
  stage.context_tokens = context_tokens;
  stage.weight_dtype = IC_DTYPE_BF16;
  stage.activation_dtype = IC_DTYPE_BF16;
  stage.kv_dtype = IC_DTYPE_BF16;
  stage.mla_form = IC_MLA_FORM_DEFAULT;
  stage.weight_bytes_per_element = 2;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 2;
  stage.tensor_parallel = tensor_parallel;
  return stage;
}

ic_stage Prefill(int64_t batch, int64_t tokens, int64_t tensor_parallel) {
  return MakeStage(IC_STAGE_PREFILL, batch, tokens, tokens, tensor_parallel);
}

ic_stage Decode(int64_t batch, int64_t context, int64_t tensor_parallel) {
  return MakeStage(IC_STAGE_DECODE, batch, 1, context, tensor_parallel);
}

std::string Describe(const ic_stage& stage) {
  std::string text;
  if (stage.kind == IC_STAGE_DECODE && stage.query_tokens == 1) {
    text = Cat("decode at context ", stage.context_tokens);
  } else if (stage.kind == IC_STAGE_PREFILL && stage.query_tokens == stage.context_tokens) {
    text = Cat("prefill of ", stage.query_tokens);
  } else {
    text = Cat(stage.kind == IC_STAGE_PREFILL ? "prefill" : "decode", " of ", stage.query_tokens,
               " at context ", stage.context_tokens);
  }
  text += Cat(", batch ", stage.batch);
  if (stage.tensor_parallel != 1) text += Cat(", tp ", stage.tensor_parallel);
  if (stage.weight_bytes_per_element != 2 || stage.activation_bytes_per_element != 2 ||
      stage.kv_bytes_per_element != 2) {
    text += Cat(", bytes/element w ", Num(stage.weight_bytes_per_element), " a ",
                Num(stage.activation_bytes_per_element), " kv ", Num(stage.kv_bytes_per_element));
  }
  return text;
}

bool IsAttentionPhase(ic_phase_id id) { return sdk::IsAttentionPhase(id); }

std::string PhaseName(ic_phase_id id) {
  if (sdk::IsKnownPhase(id)) return std::string(sdk::PhaseName(id));
  return Cat("phase ", id);
}

std::vector<ic_phase_cost> SyntheticAttentionPhases(const ic_attention_shape& shape,
                                                    const ic_stage& stage, bool mla_style) {
  const double tp = static_cast<double>(stage.tensor_parallel > 0 ? stage.tensor_parallel : 1);
  const double batch = static_cast<double>(stage.batch);
  const double q = static_cast<double>(stage.query_tokens);
  const double keys = static_cast<double>(stage.context_tokens);
  const double tokens = batch * q;
  const double heads = static_cast<double>(shape.num_heads) / tp;
  const double kv_heads = std::max(1.0, static_cast<double>(shape.num_kv_heads) / tp);
  const double d = static_cast<double>(shape.hidden_size);
  const double dh = static_cast<double>(shape.head_dim);
  const double dv = static_cast<double>(shape.v_head_dim > 0 ? shape.v_head_dim : shape.head_dim);
  const double wb = stage.weight_bytes_per_element;
  const double ab = stage.activation_bytes_per_element;
  const double kb = stage.kv_bytes_per_element;
  const double pairs = q * keys;

  std::vector<ic_phase_cost> phases;
  if (mla_style) {
    const double rank_q = static_cast<double>(shape.q_lora_rank);
    const double rank_kv = static_cast<double>(shape.kv_lora_rank);
    const double rope = static_cast<double>(shape.qk_rope_head_dim);
    phases.push_back(Projection(IC_PHASE_Q_A_PROJ, tokens, d, rank_q, wb, ab));
    phases.push_back(Projection(IC_PHASE_Q_B_PROJ, tokens, rank_q, heads * dh, wb, ab));
    ic_phase_cost kv_a = Projection(IC_PHASE_KV_A_PROJ, tokens, d, rank_kv + rope, wb, ab);
    kv_a.kv_write_bytes = tokens * (rank_kv + rope) * kb;
    phases.push_back(kv_a);
    phases.push_back(
        Projection(IC_PHASE_KV_B_PROJ, batch * keys, rank_kv, heads * (dh + dv), wb, ab));
  } else {
    phases.push_back(Projection(IC_PHASE_Q_PROJ, tokens, d, heads * dh, wb, ab));
    ic_phase_cost k = Projection(IC_PHASE_K_PROJ, tokens, d, kv_heads * dh, wb, ab);
    k.kv_write_bytes = tokens * kv_heads * dh * kb;
    phases.push_back(k);
    ic_phase_cost v = Projection(IC_PHASE_V_PROJ, tokens, d, kv_heads * dv, wb, ab);
    v.kv_write_bytes = tokens * kv_heads * dv * kb;
    phases.push_back(v);
  }
  ic_phase_cost scores = Record(IC_PHASE_QK_SCORES);
  scores.matrix_flops = 2 * batch * heads * dh * pairs;
  scores.kv_read_bytes = batch * keys * kv_heads * dh * kb;
  scores.activation_bytes = tokens * heads * dh * ab;
  scores.gemm_m = stage.query_tokens;
  scores.gemm_n = stage.context_tokens;
  scores.gemm_k = shape.head_dim;
  scores.gemm_count = static_cast<int64_t>(batch * heads);
  phases.push_back(scores);
  ic_phase_cost softmax = Record(IC_PHASE_SOFTMAX);
  softmax.vector_flops = 5 * batch * heads * pairs;
  phases.push_back(softmax);
  ic_phase_cost attn_v = Record(IC_PHASE_ATTN_V);
  attn_v.matrix_flops = 2 * batch * heads * dv * pairs;
  attn_v.kv_read_bytes = batch * keys * kv_heads * dv * kb;
  attn_v.activation_bytes = tokens * heads * dv * ab;
  attn_v.gemm_m = stage.query_tokens;
  attn_v.gemm_n = static_cast<int64_t>(dv);
  attn_v.gemm_k = stage.context_tokens;
  attn_v.gemm_count = static_cast<int64_t>(batch * heads);
  phases.push_back(attn_v);
  phases.push_back(Projection(IC_PHASE_O_PROJ, tokens, heads * dv, d, wb, ab));
  return phases;
}

ic_kernel_device ReferenceKernelDevice() {
  ic_kernel_device device{};
  device.struct_size = sizeof device;
  device.onchip_memory_bytes = 132.0 * 228 * 1024;  // 132 SMs x 228 KiB
  device.l2_cache_bytes = 50e6;
  device.compute_units = 132;
  return device;
}

ic_device ReferenceDevice() {
  static const char kName[] = "conformance-h100-like";
  ic_device device{};
  device.struct_size = sizeof device;
  device.name = {kName, sizeof kName - 1};
  device.matrix_flops_per_s[IC_DTYPE_FP32] = 67e12;
  device.matrix_flops_per_s[IC_DTYPE_TF32] = 494e12;
  device.matrix_flops_per_s[IC_DTYPE_BF16] = 989e12;
  device.matrix_flops_per_s[IC_DTYPE_FP16] = 989e12;
  device.matrix_flops_per_s[IC_DTYPE_FP8] = 1979e12;
  device.matrix_flops_per_s[IC_DTYPE_INT8] = 1979e12;
  device.vector_flops_per_s = 67e12;
  device.memory_bandwidth_bytes_per_s = 3.35e12;
  device.memory_capacity_bytes = 80e9;
  device.onchip_memory_bytes = 132.0 * 228 * 1024;
  device.l2_cache_bytes = 50e6;
  device.scale_up_bandwidth_bytes_per_s = 450e9;
  device.scale_up_latency_s = 2e-6;
  device.scale_out_bandwidth_bytes_per_s = 50e9;
  device.scale_out_latency_s = 5e-6;
  device.power_watts = 700;
  device.price_usd_per_gpu_hour = 2.5;
  device.gpus_per_node = 8;
  device.compute_units = 132;
  return device;
}

ic_execution ReferenceExecution() {
  ic_execution execution{};
  execution.struct_size = sizeof execution;
  execution.flags = 0;
  execution.weight_dtype = IC_DTYPE_BF16;
  execution.activation_dtype = IC_DTYPE_BF16;
  execution.kv_dtype = IC_DTYPE_BF16;
  execution.matmul_efficiency = 0.7;
  execution.matmul_half_flops = 1e9;
  execution.bandwidth_efficiency = 0.8;
  execution.bandwidth_half_bytes = 1e6;
  execution.kernel_overhead_s = 5e-6;
  return execution;
}

ic_phase_cost ReferencePhaseCost() {
  ic_phase_cost cost = Record(IC_PHASE_Q_PROJ);
  cost.params = 4096.0 * 4096;
  cost.matrix_flops = 2.0 * 512 * 4096 * 4096;
  cost.vector_flops = 1e6;
  cost.weight_bytes = cost.params * 2;
  cost.kv_read_bytes = 1e6;
  cost.kv_write_bytes = 1e5;
  cost.activation_bytes = 2.0 * 512 * 8192;
  cost.comm_bytes = 0;
  cost.gemm_m = 512;
  cost.gemm_n = 4096;
  cost.gemm_k = 4096;
  cost.gemm_count = 1;
  return cost;
}

ic_collective MakeCollective(ic_collective_op op, double bytes, int64_t group_size,
                             bool spans_nodes) {
  ic_collective collective{};
  collective.struct_size = sizeof collective;
  collective.op = op;
  collective.bytes = bytes;
  collective.group_size = group_size;
  collective.spans_nodes = spans_nodes ? 1 : 0;
  return collective;
}

std::string CollectiveName(ic_collective_op op) {
  switch (op) {
    case IC_COLLECTIVE_ALL_REDUCE:
      return "all_reduce";
    case IC_COLLECTIVE_ALL_GATHER:
      return "all_gather";
    case IC_COLLECTIVE_REDUCE_SCATTER:
      return "reduce_scatter";
    case IC_COLLECTIVE_ALL_TO_ALL:
      return "all_to_all";
    case IC_COLLECTIVE_SEND_RECV:
      return "send_recv";
    default:
      return Cat("collective ", op);
  }
}

void CheckPhaseRecord(const ic_phase_cost& cost, const std::string& where, Problems& problems) {
  ic_phase_cost known_id = cost;  // unknown ids are PhaseIds' concern, not this check's
  if (!sdk::IsKnownPhase(known_id.phase)) known_id.phase = IC_PHASE_Q_PROJ;
  const std::string problem = sdk::PhaseRecordProblem(known_id);
  if (!problem.empty()) problems.Add(Cat(where, ": ", problem));
}

}  // namespace infercost::conformance
