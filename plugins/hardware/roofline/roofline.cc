// The generic roofline timing model: a phase takes max(compute, memory) plus a fixed kernel
// overhead, on the device the host describes (from a hardware preset). Achievable fractions of
// peak grow with the op's size along a saturating curve. Collectives use the ring (and, for
// all-reduce, double-binary-tree) alpha-beta models that NCCL's tuner is built on; an all-to-all
// across nodes posts to every peer at once and pays one fixed completion cost (DeepEP, measured).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace sdk = infercost::sdk;

std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

[[noreturn]] void Reject(const std::string& message) {
  throw sdk::Error(IC_STATUS_INVALID_ARGUMENT, message);
}

[[noreturn, gnu::cold, gnu::noinline]] void RejectNegative(const char* field, double value) {
  Reject(std::string(field) + " = " + FormatNumber(value) + " must be a finite number >= 0");
}

// Inline: the check runs for every field of every phase timed; only a failure builds a message.
inline void RequireNonNegative(const char* field, double value) {
  if (!sdk::FiniteNonNegative(value)) RejectNegative(field, value);
}

void RequirePositive(const char* field, double value, const char* fix) {
  if (!std::isfinite(value) || value <= 0) {
    Reject(std::string(field) + " = " + FormatNumber(value) + " must be positive; " + fix);
  }
}

// ---- dtypes -------------------------------------------------------------------------------

void RequireV1Dtype(const char* field, ic_dtype dtype) {
  if (dtype < 0 || dtype >= IC_DTYPE_COUNT_V1) {
    Reject(std::string(field) + " = " + std::to_string(dtype) + " is not a v1 ic_dtype (0.." +
           std::to_string(IC_DTYPE_COUNT_V1 - 1) + ")");
  }
}

// Storage width in bits, to tell which of two dtypes is narrower.
int DtypeBits(ic_dtype dtype) {
  switch (dtype) {
    case IC_DTYPE_BF16:
    case IC_DTYPE_FP16:
      return 16;
    case IC_DTYPE_FP8:
    case IC_DTYPE_INT8:
      return 8;
    case IC_DTYPE_INT4:
    case IC_DTYPE_FP4:
      return 4;
    default:
      return 32;  // fp32, tf32
  }
}

// The dtype a matmul falls back to when the device has no matrix peak for `dtype`:
// fp4->fp8->bf16, int4->int8->fp16, bf16->fp16->tf32->fp32; -1 after fp32.
ic_dtype WiderMatrixDtype(ic_dtype dtype) {
  switch (dtype) {
    case IC_DTYPE_FP4:
      return IC_DTYPE_FP8;
    case IC_DTYPE_INT4:
      return IC_DTYPE_INT8;
    case IC_DTYPE_FP8:
      return IC_DTYPE_BF16;
    case IC_DTYPE_INT8:
      return IC_DTYPE_FP16;
    case IC_DTYPE_BF16:
      return IC_DTYPE_FP16;
    case IC_DTYPE_FP16:
      return IC_DTYPE_TF32;
    case IC_DTYPE_TF32:
      return IC_DTYPE_FP32;
    default:
      return -1;
  }
}

// Matmuls run at the activation dtype, unless the engine does low-precision math and the device
// has a peak for the (narrower) weight dtype (e.g. fp8 x fp8); int4 weights are up-cast.
ic_dtype ComputeDtype(const ic_device& device, const ic_execution& execution) {
  const bool low_precision = (execution.flags & IC_EXECUTION_FLAG_LOW_PRECISION_MATH) != 0;
  if (low_precision && device.matrix_flops_per_s[execution.weight_dtype] > 0 &&
      DtypeBits(execution.weight_dtype) < DtypeBits(execution.activation_dtype)) {
    return execution.weight_dtype;
  }
  return execution.activation_dtype;
}

// Peak rate for matmuls in `dtype`, walking the fallback chain; with no matrix peak even at fp32
// the vector units do the work.
double MatrixPeak(const ic_device& device, ic_dtype dtype) {
  for (ic_dtype d = dtype; d >= 0; d = WiderMatrixDtype(d)) {
    if (device.matrix_flops_per_s[d] > 0) return device.matrix_flops_per_s[d];
  }
  return device.vector_flops_per_s;
}

// ---- efficiency ---------------------------------------------------------------------------

// Achieved fraction of peak for an op of `size`: eff_max * size / (size + half) (half = size
// that reaches half of eff_max); size-independent eff_max when half == 0.
double AchievedEfficiency(double eff_max, double half, double size) {
  return half > 0 ? eff_max * size / (size + half) : eff_max;
}

// Seconds to do `work` at `rate` with efficiency `efficiency`; no work takes no time.
double Seconds(double work, double rate, double efficiency) {
  return work > 0 ? work / (rate * efficiency) : 0;
}

// ---- validation ---------------------------------------------------------------------------

void ValidateExecution(const ic_execution& execution) {
  RequireV1Dtype("execution.weight_dtype", execution.weight_dtype);
  RequireV1Dtype("execution.activation_dtype", execution.activation_dtype);
  if (!(execution.matmul_efficiency > 0 && execution.matmul_efficiency <= 1)) {
    Reject("matmul_efficiency = " + FormatNumber(execution.matmul_efficiency) +
           " must be in (0, 1]: the achievable fraction of the matrix peak (e.g. 0.7)");
  }
  if (!(execution.bandwidth_efficiency > 0 && execution.bandwidth_efficiency <= 1)) {
    Reject("bandwidth_efficiency = " + FormatNumber(execution.bandwidth_efficiency) +
           " must be in (0, 1]: the achievable fraction of HBM bandwidth (e.g. 0.8)");
  }
  RequireNonNegative("matmul_half_flops", execution.matmul_half_flops);
  RequireNonNegative("bandwidth_half_bytes", execution.bandwidth_half_bytes);
  RequireNonNegative("kernel_overhead_s", execution.kernel_overhead_s);
}

void ValidateDevice(const ic_device& device) {
  for (int d = 0; d < IC_DTYPE_COUNT_V1; ++d) {
    RequireNonNegative("device.matrix_flops_per_s[dtype]", device.matrix_flops_per_s[d]);
  }
  RequireNonNegative("device.vector_flops_per_s", device.vector_flops_per_s);
  RequirePositive("device.memory_bandwidth_bytes_per_s", device.memory_bandwidth_bytes_per_s,
                  "set the device's HBM bandwidth (e.g. 3.35e12 for an H100 SXM)");
}

void ValidateCost(const ic_phase_cost& cost) {
  RequireNonNegative("cost.matrix_flops", cost.matrix_flops);
  RequireNonNegative("cost.vector_flops", cost.vector_flops);
  RequireNonNegative("cost.weight_bytes", cost.weight_bytes);
  RequireNonNegative("cost.kv_read_bytes", cost.kv_read_bytes);
  RequireNonNegative("cost.kv_write_bytes", cost.kv_write_bytes);
  RequireNonNegative("cost.activation_bytes", cost.activation_bytes);
  RequireNonNegative("cost.comm_bytes", cost.comm_bytes);
}

// ---- the plugin ---------------------------------------------------------------------------

// Fixed time of one all-to-all across nodes, above its bandwidth term: DeepEP's low-latency
// kernels (deepseek-ai/DeepEP README; H800, one 400 Gb/s CX7 NIC = 50 GB/s per GPU; 128 tokens
// x top-8 x hidden 7168, fp8 dispatch / bf16 combine) take 173 / 192 / 194 us (dispatch) and
// 314 / 369 / 360 us (combine) at EP 64 / 128 / 256; minus (p-1)/p x payload / 50 GB/s
// (7.34 MB: 144.5 / 145.6 / 146.2 us; 14.68 MB: 289.0 / 291.3 / 292.5 us) that leaves
// 28.5 / 46.4 / 47.8 and 25.0 / 77.7 / 67.5 us - flat in p, median 47 us. A pairwise exchange
// with (p-1) x 5 us of NIC latency would instead grow to 315 us at 64 GPUs and 1.3 ms at 256.
constexpr double kScaleOutAllToAllLatencyS = 47e-6;

class Roofline final : public sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  // compute = matrix FLOPs at the dtype's peak x size-dependent matmul efficiency, plus vector
  // FLOPs at the vector peak x matmul_efficiency (one calibration knob for both units);
  // memory = HBM bytes at bandwidth x size-dependent bandwidth efficiency. comm_bytes are not
  // timed here: the host times them with collective_time.
  ic_phase_time PhaseTime(const ic_device& device, const ic_execution& execution,
                          const ic_phase_cost& cost) override {
    ValidateDevice(device);
    ValidateExecution(execution);
    return Time(device, execution, MatrixPeak(device, ComputeDtype(device, execution)), cost);
  }

  // A step's records at once: the device and execution are checked, and the matrix peak
  // looked up, once (ABI 1.3).
  void PhaseTimes(const ic_device& device, const ic_execution& execution,
                  const ic_phase_cost* costs, size_t count, ic_phase_time* out) override {
    ValidateDevice(device);
    ValidateExecution(execution);
    const double matrix_peak = MatrixPeak(device, ComputeDtype(device, execution));
    for (size_t i = 0; i < count; ++i) out[i] = Time(device, execution, matrix_peak, costs[i]);
  }

  // The same time as overhead + max(compute piece, memory piece) (ABI 1.5): a size-dependent
  // efficiency eff_max x size / (size + half) makes size / (rate x efficiency) equal to
  // (size + half) / (rate x eff_max), affine in the size wherever the size stays positive.
  bool PhaseTimeModel(const ic_device& device, const ic_execution& execution,
                      const ic_phase_cost& cost, ic_time_model& out) override {
    ValidateDevice(device);
    ValidateExecution(execution);
    ValidateCost(cost);
    out.piece_count = 2;
    ic_time_piece& compute = out.pieces[0];
    ic_time_piece& memory = out.pieces[1];
    const double bytes = sdk::HbmBytes(cost);
    if (cost.matrix_flops == 0 && cost.vector_flops == 0 && bytes == 0) return true;  // 0 s
    const double matrix_peak = RequiredMatrixPeak(device, execution, cost);
    if (cost.matrix_flops > 0) {
      const double rate = matrix_peak * execution.matmul_efficiency;
      compute.s_per_matrix_flop = 1 / rate;
      compute.constant_s = execution.matmul_half_flops / rate;
    }
    if (cost.vector_flops > 0) {
      compute.s_per_vector_flop = 1 / (device.vector_flops_per_s * execution.matmul_efficiency);
    }
    if (bytes > 0) {
      const double rate = device.memory_bandwidth_bytes_per_s * execution.bandwidth_efficiency;
      memory.s_per_weight_byte = memory.s_per_kv_read_byte = memory.s_per_kv_write_byte =
          memory.s_per_activation_byte = 1 / rate;
      memory.constant_s = execution.bandwidth_half_bytes / rate;
    }
    out.overhead_s = execution.kernel_overhead_s;
    return true;
  }

  // A collective is a kernel too: the link model (ring / tree alpha-beta) plus the engine's
  // fixed per-kernel overhead, as for any other phase.
  double CollectiveTime(const ic_device& device, const ic_execution& execution,
                        const ic_collective& collective) override {
    if (collective.op < IC_COLLECTIVE_ALL_REDUCE || collective.op > IC_COLLECTIVE_SEND_RECV) {
      Reject("collective op = " + std::to_string(collective.op) +
             " is not an IC_COLLECTIVE_* value of ABI v1");
    }
    RequireNonNegative("collective.bytes", collective.bytes);
    RequireNonNegative("kernel_overhead_s", execution.kernel_overhead_s);
    if (collective.group_size <= 0) {
      Reject("collective.group_size = " + std::to_string(collective.group_size) +
             " must be at least 1 GPU");
    }
    if (collective.group_size == 1) return 0;  // nothing to exchange
    const double bandwidth = collective.spans_nodes ? device.scale_out_bandwidth_bytes_per_s
                                                    : device.scale_up_bandwidth_bytes_per_s;
    const double latency =
        collective.spans_nodes ? device.scale_out_latency_s : device.scale_up_latency_s;
    RequirePositive(collective.spans_nodes ? "device.scale_out_bandwidth_bytes_per_s"
                                           : "device.scale_up_bandwidth_bytes_per_s",
                    bandwidth, "set the per-GPU link bandwidth in the hardware preset");
    RequireNonNegative(
        collective.spans_nodes ? "device.scale_out_latency_s" : "device.scale_up_latency_s",
        latency);
    return LinkTime(collective, bandwidth, latency) + execution.kernel_overhead_s;
  }

 private:
  // Seconds the links take to move the collective's payload (alpha-beta models).
  static double LinkTime(const ic_collective& collective, double bandwidth, double latency) {
    const double p = static_cast<double>(collective.group_size);
    const double bytes = collective.bytes;
    switch (collective.op) {
      case IC_COLLECTIVE_ALL_REDUCE: {
        // Ring: reduce-scatter + all-gather, 2(p-1) steps of bytes/p each.
        const double ring = 2 * (p - 1) / p * bytes / bandwidth + 2 * (p - 1) * latency;
        // Double binary tree: up and down log2(p) levels, whole payload pipelined each way.
        const double tree = 2 * CeilLog2(collective.group_size) * latency + 2 * bytes / bandwidth;
        return std::min(ring, tree);
      }
      case IC_COLLECTIVE_ALL_TO_ALL:
        if (collective.spans_nodes) {
          // Across nodes the expert-parallel all-to-all kernels (DeepEP, TensorRT-LLM's wide-EP)
          // post RDMA writes to every peer at once: the payload leaves at the link's bandwidth
          // and a fixed completion cost is paid once, not once per peer (see
          // kScaleOutAllToAllLatencyS).
          return (p - 1) / p * bytes / bandwidth + std::max(latency, kScaleOutAllToAllLatencyS);
        }
        // Within a node: pairwise exchange, p-1 steps of bytes/p each; but the wide
        // expert-parallel kernels post to every peer at once there too (a 72-GPU NVLink
        // domain), so the fixed part never exceeds the one-shot completion cost across nodes:
        // staying on the faster links is never the slower (63 peers x 2 us would otherwise cost
        // 126 us at EP 64).
        return (p - 1) / p * bytes / bandwidth +
               std::max(latency, std::min((p - 1) * latency, kScaleOutAllToAllLatencyS));
      case IC_COLLECTIVE_ALL_GATHER:
      case IC_COLLECTIVE_REDUCE_SCATTER:
        // Ring: p-1 steps of bytes/p each.
        return (p - 1) / p * bytes / bandwidth + (p - 1) * latency;
      default:  // IC_COLLECTIVE_SEND_RECV (op checked above)
        return bytes / bandwidth + latency;
    }
  }

  static double CeilLog2(int64_t value) {
    double levels = 0;
    for (int64_t reach = 1; reach < value; reach *= 2) ++levels;
    return levels;
  }

 private:
  // The matrix peak `cost` runs at; an error where the device has no rate for work it holds.
  static double RequiredMatrixPeak(const ic_device& device, const ic_execution& execution,
                                   const ic_phase_cost& cost) {
    const double matrix_peak = MatrixPeak(device, ComputeDtype(device, execution));
    RequireRates(device, matrix_peak, cost);
    return matrix_peak;
  }
  // An error where the device has no rate for work `cost` holds (`matrix_peak`: its matrix peak).
  static void RequireRates(const ic_device& device, double matrix_peak, const ic_phase_cost& cost) {
    if (cost.matrix_flops > 0 && matrix_peak <= 0) {
      Reject(
          "the device has no matrix peak for the compute dtype or any wider one, and "
          "vector_flops_per_s = 0; set a peak in the hardware preset");
    }
    if (cost.vector_flops > 0 && device.vector_flops_per_s <= 0) {
      Reject(
          "device.vector_flops_per_s = 0 but the phase has vector FLOPs; set the device's "
          "non-matrix peak in the hardware preset");
    }
  }

  // PhaseTime of a record on a device and execution already checked, whose matrix peak is
  // `matrix_peak`.
  static ic_phase_time Time(const ic_device& device, const ic_execution& execution,
                            double matrix_peak, const ic_phase_cost& cost) {
    ValidateCost(cost);
    ic_phase_time time{};
    time.struct_size = sizeof(ic_phase_time);
    time.bound = IC_BOUND_MEMORY;
    const double bytes = sdk::HbmBytes(cost);
    if (cost.matrix_flops == 0 && cost.vector_flops == 0 && bytes == 0) return time;  // no work

    RequireRates(device, matrix_peak, cost);
    const double matmul_efficiency = AchievedEfficiency(
        execution.matmul_efficiency, execution.matmul_half_flops, cost.matrix_flops);
    const double bandwidth_efficiency =
        AchievedEfficiency(execution.bandwidth_efficiency, execution.bandwidth_half_bytes, bytes);
    time.compute_s =
        Seconds(cost.matrix_flops, matrix_peak, matmul_efficiency) +
        Seconds(cost.vector_flops, device.vector_flops_per_s, execution.matmul_efficiency);
    time.memory_s = Seconds(bytes, device.memory_bandwidth_bytes_per_s, bandwidth_efficiency);
    time.overhead_s = execution.kernel_overhead_s;
    time.time_s = std::max(time.compute_s, time.memory_s) + time.overhead_s;
    if (time.overhead_s > std::max(time.compute_s, time.memory_s)) {
      time.bound = IC_BOUND_OVERHEAD;
    } else if (time.compute_s >= time.memory_s) {
      time.bound = IC_BOUND_COMPUTE;
    } else {
      time.bound = IC_BOUND_MEMORY;
    }
    return time;
  }
};

}  // namespace

INFERCOST_PLUGIN(Roofline, "roofline", "1.2.0", "infercost",
                 "roofline timing: max(compute, memory) + kernel overhead; ring/tree collectives")
