// "acme": a vendor's hardware plugin for the (fictional) ACME X1 accelerator.
//
// Two things set it apart from the in-tree roofline plugin:
//   1. It DESCRIBES ITS OWN DEVICE. DeviceCount/DescribeDevice return "acme-x1" (peaks, memory,
//      links, price), so no TOML preset is needed: `infercost hardware` lists it and
//      `infercost report --hardware acme-x1` selects it. A vendor ships one binary.
//   2. It has ITS OWN TIMING RULE. Instead of peak rates times efficiency curves, it times a
//      phase from tables the vendor measured on the chip: matmul time against FLOPs and
//      HBM-streaming time against bytes, linearly interpolated between measured points. A phase
//      takes max(compute, memory), both read from the tables.
//
// Because the tables already contain what a real kernel achieves (launch latency, small-op
// inefficiency), the engine's calibration knobs in ic_execution (matmul_efficiency,
// bandwidth_efficiency, kernel_overhead_s, ...) are deliberately ignored. The numbers are made up
// for this example but shaped like real measurements.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "infercost/sdk/abi_support.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace sdk = infercost::sdk;

constexpr char kDeviceName[] = "acme-x1";

// ---- the device ---------------------------------------------------------------------------

ic_device AcmeX1() {
  ic_device device{};
  device.struct_size = sizeof(ic_device);
  // Static storage: the host copies the name while the plugin is loaded.
  device.name = sdk::ToIcString(kDeviceName);
  // Dense matrix peaks per dtype (FLOP/s); 0 = the X1 has no matrix unit for that dtype.
  device.matrix_flops_per_s[IC_DTYPE_FP32] = 60e12;
  device.matrix_flops_per_s[IC_DTYPE_TF32] = 250e12;
  device.matrix_flops_per_s[IC_DTYPE_BF16] = 500e12;
  device.matrix_flops_per_s[IC_DTYPE_FP16] = 500e12;
  device.matrix_flops_per_s[IC_DTYPE_FP8] = 1000e12;
  device.matrix_flops_per_s[IC_DTYPE_INT8] = 1000e12;
  device.vector_flops_per_s = 60e12;
  device.memory_bandwidth_bytes_per_s = 2.4e12;
  device.memory_capacity_bytes = 96e9;
  device.onchip_memory_bytes = 48.0 * 1024 * 1024;  // SRAM the attention kernel may tile into
  device.l2_cache_bytes = 64.0 * 1024 * 1024;
  device.scale_up_bandwidth_bytes_per_s = 300e9;  // per chip, per direction, inside a node
  device.scale_up_latency_s = 3e-6;
  device.scale_out_bandwidth_bytes_per_s = 50e9;  // per chip, per direction, across nodes
  device.scale_out_latency_s = 10e-6;
  device.power_watts = 600;
  device.price_usd_per_gpu_hour = 2.10;
  device.gpus_per_node = 8;
  device.compute_units = 96;
  // ABI 1.1: how reports name the device, and the peaks as a counted table (the same numbers;
  // dtypes a later ABI appends would follow). Static storage, like the name.
  device.display_name = sdk::ToIcString("ACME X1 96GB");
  device.vendor = sdk::ToIcString("ACME Corp");
  static const double kPeaks[IC_DTYPE_COUNT_V1] = {60e12,   250e12,  500e12, 500e12,
                                                   1000e12, 1000e12, 0,      0};
  device.matrix_peaks = kPeaks;
  device.matrix_peak_count = IC_DTYPE_COUNT_V1;
  return device;
}

// ---- measured tables ----------------------------------------------------------------------

// One measurement: an op of `size` (FLOPs or bytes) took `seconds`.
struct Point {
  double size;
  double seconds;
};

// bf16 matmuls of growing size. The first point is the launch floor; the last runs at about 77%
// of the 500 TFLOP/s peak.
constexpr std::array<Point, 6> kMatmulBf16 = {{
    {1e6, 4.0e-6},
    {1e8, 6.0e-6},
    {1e9, 1.2e-5},
    {1e10, 4.5e-5},
    {1e11, 3.0e-4},
    {1e12, 2.6e-3},
}};

// Streaming HBM traffic (weights, KV cache, activations) of growing size; the last point runs at
// about 2.2 TB/s of the 2.4 TB/s peak.
constexpr std::array<Point, 5> kHbmStream = {{
    {4096, 2.0e-6},
    {1048576, 3.0e-6},
    {16777216, 1.0e-5},
    {268435456, 1.25e-4},
    {4294967296, 1.95e-3},
}};

// Seconds for an op of `size`: linear interpolation between the two measured points around it.
// Below the first point the op costs the first point's time (launch-bound); beyond the last it
// continues at the last segment's rate. No work takes no time. The result never decreases as
// `size` grows (the tables increase), which the conformance kit checks.
template <std::size_t N>
double Interpolate(const std::array<Point, N>& table, double size) {
  if (size <= 0) return 0;
  if (size <= table.front().size) return table.front().seconds;
  for (std::size_t i = 1; i < N; ++i) {
    if (size <= table[i].size || i == N - 1) {
      const Point& lo = table[i - 1];
      const Point& hi = table[i];
      const double slope = (hi.seconds - lo.seconds) / (hi.size - lo.size);
      return lo.seconds + (size - lo.size) * slope;
    }
  }
  return table.back().seconds;  // not reached
}

[[noreturn]] void Reject(const std::string& message) {
  throw sdk::Error(IC_STATUS_INVALID_ARGUMENT, message);
}

void RequireFiniteNonNegative(const char* field, double value) {
  if (!std::isfinite(value) || value < 0) {
    Reject(std::string(field) + " = " + std::to_string(value) + " must be finite and >= 0");
  }
}

void RequirePositive(const char* field, double value) {
  if (!std::isfinite(value) || value <= 0) {
    Reject(std::string(field) + " = " + std::to_string(value) + " must be finite and > 0");
  }
}

// The device numbers this plugin relies on must make sense (the host passes back the device the
// plugin described, but a conformance kit or a buggy host may not).
void ValidateDevice(const ic_device& device) {
  RequirePositive("device.matrix_flops_per_s[bf16]", device.matrix_flops_per_s[IC_DTYPE_BF16]);
  for (int dtype = 0; dtype < IC_DTYPE_COUNT_V1; ++dtype) {
    RequireFiniteNonNegative("device.matrix_flops_per_s[dtype]", device.matrix_flops_per_s[dtype]);
  }
  RequirePositive("device.vector_flops_per_s", device.vector_flops_per_s);
  RequirePositive("device.memory_bandwidth_bytes_per_s", device.memory_bandwidth_bytes_per_s);
  RequirePositive("device.scale_up_bandwidth_bytes_per_s", device.scale_up_bandwidth_bytes_per_s);
  RequirePositive("device.scale_out_bandwidth_bytes_per_s", device.scale_out_bandwidth_bytes_per_s);
  RequireFiniteNonNegative("device.scale_up_latency_s", device.scale_up_latency_s);
  RequireFiniteNonNegative("device.scale_out_latency_s", device.scale_out_latency_s);
}

// Matmuls run at the activation dtype, or at the weight dtype when the engine does low-precision
// math and the X1 has a matrix peak for it (e.g. fp8 x fp8).
ic_dtype ComputeDtype(const ic_device& device, const ic_execution& execution) {
  const bool low_precision = (execution.flags & IC_EXECUTION_FLAG_LOW_PRECISION_MATH) != 0;
  const ic_dtype weights = execution.weight_dtype;
  if (low_precision && weights >= 0 && weights < IC_DTYPE_COUNT_V1 &&
      device.matrix_flops_per_s[weights] > 0) {
    return weights;
  }
  return execution.activation_dtype;
}

// ---- the plugin ---------------------------------------------------------------------------

class AcmeHardware final : public sdk::Hardware {
 public:
  static constexpr bool kThreadSafe = true;  // no member state

  // The devices this plugin brings: the host lists them beside the TOML presets.
  uint64_t DeviceCount() override { return 1; }
  ic_device DescribeDevice(uint64_t index) override {
    if (index != 0) {
      throw sdk::Error(IC_STATUS_OUT_OF_RANGE,
                       "device index " + std::to_string(index) + " >= device count 1");
    }
    return AcmeX1();
  }

  ic_phase_time PhaseTime(const ic_device& device, const ic_execution& execution,
                          const ic_phase_cost& cost) override {
    RequireAcmeX1(device);
    for (const auto& [field, value] : {std::pair{"matrix_flops", cost.matrix_flops},
                                       {"vector_flops", cost.vector_flops},
                                       {"weight_bytes", cost.weight_bytes},
                                       {"kv_read_bytes", cost.kv_read_bytes},
                                       {"kv_write_bytes", cost.kv_write_bytes},
                                       {"activation_bytes", cost.activation_bytes},
                                       {"comm_bytes", cost.comm_bytes}}) {
      RequireFiniteNonNegative(field, value);
    }
    ic_dtype dtype = ComputeDtype(device, execution);
    if (dtype < 0 || dtype >= IC_DTYPE_COUNT_V1 || device.matrix_flops_per_s[dtype] <= 0) {
      dtype = IC_DTYPE_BF16;  // no matrix unit for it (int4, fp4): up-cast to bf16
    }
    // The table was measured in bf16; a dtype with a higher peak does the same matmul in
    // proportionally less time, so look the table up at the bf16-equivalent FLOPs.
    const double bf16_equivalent_flops = cost.matrix_flops *
                                         device.matrix_flops_per_s[IC_DTYPE_BF16] /
                                         device.matrix_flops_per_s[dtype];
    const double bytes = sdk::HbmBytes(cost);  // weights + KV reads/writes + activations

    ic_phase_time time{};
    time.struct_size = sizeof(ic_phase_time);
    time.compute_s = Interpolate(kMatmulBf16, bf16_equivalent_flops) +
                     cost.vector_flops / device.vector_flops_per_s;
    time.memory_s = Interpolate(kHbmStream, bytes);
    time.time_s = std::max(time.compute_s, time.memory_s);
    time.bound = time.compute_s >= time.memory_s ? IC_BOUND_COMPUTE : IC_BOUND_MEMORY;
    return time;
  }

  // Collectives: a ring over the X1's links (alpha-beta model). All-reduce moves 2(p-1)/p of the
  // payload in 2(p-1) steps; all-gather, reduce-scatter and all-to-all (p-1)/p in p-1 steps.
  double CollectiveTime(const ic_device& device, const ic_execution& /*execution*/,
                        const ic_collective& collective) override {
    RequireAcmeX1(device);
    if (collective.op < IC_COLLECTIVE_ALL_REDUCE || collective.op > IC_COLLECTIVE_SEND_RECV) {
      Reject("collective op " + std::to_string(collective.op) + " is not an ABI 1.0 op");
    }
    RequireFiniteNonNegative("collective.bytes", collective.bytes);
    if (collective.group_size < 1) {
      Reject("collective.group_size = " + std::to_string(collective.group_size) +
             " must be >= 1 (the GPUs taking part)");
    }
    if (collective.group_size == 1 || collective.bytes == 0) return 0;  // nothing to exchange
    const double bandwidth = collective.spans_nodes ? device.scale_out_bandwidth_bytes_per_s
                                                    : device.scale_up_bandwidth_bytes_per_s;
    const double latency =
        collective.spans_nodes ? device.scale_out_latency_s : device.scale_up_latency_s;
    const double p = static_cast<double>(collective.group_size);
    switch (collective.op) {
      case IC_COLLECTIVE_ALL_REDUCE:
        return 2 * (p - 1) / p * collective.bytes / bandwidth + 2 * (p - 1) * latency;
      case IC_COLLECTIVE_ALL_GATHER:
      case IC_COLLECTIVE_REDUCE_SCATTER:
      case IC_COLLECTIVE_ALL_TO_ALL:
        return (p - 1) / p * collective.bytes / bandwidth + (p - 1) * latency;
      default:  // IC_COLLECTIVE_SEND_RECV (op checked above)
        return collective.bytes / bandwidth + latency;
    }
  }

 private:
  // The tables describe the X1 only: refuse to time another device (e.g. a TOML preset that
  // names this plugin) rather than return numbers that mean nothing.
  static void RequireAcmeX1(const ic_device& device) {
    ValidateDevice(device);
    const std::string name(device.name.data == nullptr ? "" : device.name.data,
                           device.name.data == nullptr ? 0 : device.name.size);
    if (name != kDeviceName) {
      Reject("the acme plugin's measured tables describe acme-x1 only, not '" + name + "'");
    }
  }
};

}  // namespace

INFERCOST_PLUGIN(AcmeHardware, "acme", "1.1.0", "ACME Corp",
                 "ACME X1 accelerator: measured matmul and HBM tables, linear interpolation")
