// The roofline hardware plugin against hand-derived times.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "plugin_test_host.h"

namespace infercost::testing {
namespace {

using ::testing::HasSubstr;

// Round numbers: bf16/fp16 1 PFLOP/s, fp8/int8 2 PFLOP/s, tf32 0.5 PFLOP/s, no fp32/int4/fp4
// matrix peak; 50 TFLOP/s vector; 2 TB/s HBM; 100 GB/s 1 us scale-up; 50 GB/s 5 us scale-out.
ic_device TestDevice() {
  ic_device device{};
  device.struct_size = sizeof(device);
  device.matrix_flops_per_s[IC_DTYPE_FP32] = 0;
  device.matrix_flops_per_s[IC_DTYPE_TF32] = 500e12;
  device.matrix_flops_per_s[IC_DTYPE_BF16] = 1000e12;
  device.matrix_flops_per_s[IC_DTYPE_FP16] = 1000e12;
  device.matrix_flops_per_s[IC_DTYPE_FP8] = 2000e12;
  device.matrix_flops_per_s[IC_DTYPE_INT8] = 2000e12;
  device.matrix_flops_per_s[IC_DTYPE_INT4] = 0;
  device.matrix_flops_per_s[IC_DTYPE_FP4] = 0;
  device.vector_flops_per_s = 50e12;
  device.memory_bandwidth_bytes_per_s = 2e12;
  device.memory_capacity_bytes = 80e9;
  device.onchip_memory_bytes = 30e6;
  device.scale_up_bandwidth_bytes_per_s = 100e9;
  device.scale_up_latency_s = 1e-6;
  device.scale_out_bandwidth_bytes_per_s = 50e9;
  device.scale_out_latency_s = 5e-6;
  device.gpus_per_node = 8;
  device.compute_units = 132;
  return device;
}

// fp8 weights, bf16 activations; 50% of matrix peak, 80% of bandwidth, 5 us per kernel.
ic_execution TestExecution() {
  ic_execution execution{};
  execution.struct_size = sizeof(execution);
  execution.weight_dtype = IC_DTYPE_FP8;
  execution.activation_dtype = IC_DTYPE_BF16;
  execution.kv_dtype = IC_DTYPE_FP8;
  execution.matmul_efficiency = 0.5;
  execution.bandwidth_efficiency = 0.8;
  execution.kernel_overhead_s = 5e-6;
  return execution;
}

ic_phase_cost Cost(double matrix_flops, double weight_bytes) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof(cost);
  cost.phase = IC_PHASE_Q_PROJ;
  cost.matrix_flops = matrix_flops;
  cost.weight_bytes = weight_bytes;
  return cost;
}

ic_phase_time Time(const ic_device& device, const ic_execution& execution,
                   const ic_phase_cost& cost) {
  const Timed out = PhaseTime("roofline", device, execution, cost);
  EXPECT_TRUE(out.status.ok()) << out.status.message;
  return out.time;
}

TEST(RooflinePhase, ComputeBound) {
  const ic_phase_time t = Time(TestDevice(), TestExecution(), Cost(1e12, 1e9));
  EXPECT_DOUBLE_EQ(t.compute_s, 2e-3);    // 1e12 / (1000e12 * 0.5)
  EXPECT_DOUBLE_EQ(t.memory_s, 6.25e-4);  // 1e9 / (2e12 * 0.8)
  EXPECT_DOUBLE_EQ(t.overhead_s, 5e-6);
  EXPECT_DOUBLE_EQ(t.communication_s, 0);
  EXPECT_DOUBLE_EQ(t.time_s, 2.005e-3);  // max(2e-3, 6.25e-4) + 5e-6
  EXPECT_EQ(t.bound, IC_BOUND_COMPUTE);
  EXPECT_EQ(t.struct_size, sizeof(ic_phase_time));
}

TEST(RooflinePhase, MemoryBoundSumsEveryHbmByteButNotCommBytes) {
  ic_phase_cost cost = Cost(1e9, 4e9);
  cost.kv_read_bytes = 3e9;
  cost.kv_write_bytes = 1e9;
  cost.activation_bytes = 2e9;
  cost.comm_bytes = 1e12;  // timed by collective_time, not here
  const ic_phase_time t = Time(TestDevice(), TestExecution(), cost);
  EXPECT_DOUBLE_EQ(t.compute_s, 2e-6);    // 1e9 / (1000e12 * 0.5)
  EXPECT_DOUBLE_EQ(t.memory_s, 6.25e-3);  // (4+3+1+2)e9 / (2e12 * 0.8)
  EXPECT_DOUBLE_EQ(t.time_s, 6.255e-3);   // 6.25e-3 + 5e-6
  EXPECT_EQ(t.bound, IC_BOUND_MEMORY);
}

TEST(RooflinePhase, TinyPhasesAreOverheadBound) {
  const ic_phase_time t = Time(TestDevice(), TestExecution(), Cost(1e3, 1e3));
  EXPECT_DOUBLE_EQ(t.compute_s, 2e-12);    // 1e3 / 5e14
  EXPECT_DOUBLE_EQ(t.memory_s, 6.25e-10);  // 1e3 / 1.6e12
  EXPECT_DOUBLE_EQ(t.time_s, 5e-6 + 6.25e-10);
  EXPECT_EQ(t.bound, IC_BOUND_OVERHEAD);
}

TEST(RooflinePhase, NoWorkTakesNoTime) {
  const ic_phase_time t = Time(TestDevice(), TestExecution(), Cost(0, 0));
  EXPECT_EQ(t.time_s, 0);
  EXPECT_EQ(t.compute_s, 0);
  EXPECT_EQ(t.memory_s, 0);
  EXPECT_EQ(t.overhead_s, 0);
  EXPECT_EQ(t.bound, IC_BOUND_MEMORY);
}

TEST(RooflinePhase, VectorFlopsRunOnTheVectorPeak) {
  ic_phase_cost cost = Cost(0, 0);
  cost.vector_flops = 5e9;
  const ic_phase_time t = Time(TestDevice(), TestExecution(), cost);
  EXPECT_DOUBLE_EQ(t.compute_s, 2e-4);  // 5e9 / (50e12 * 0.5)
  EXPECT_DOUBLE_EQ(t.time_s, 2.05e-4);  // 2e-4 + 5e-6
  EXPECT_EQ(t.bound, IC_BOUND_COMPUTE);
}

TEST(RooflinePhase, SmallOpsReachLessOfThePeak) {
  ic_execution execution = TestExecution();
  execution.matmul_half_flops = 1e12;
  execution.bandwidth_half_bytes = 1e9;
  const ic_phase_time t = Time(TestDevice(), execution, Cost(1e12, 1e9));
  // matmul: 0.5 * 1e12/(1e12+1e12) = 0.25 of peak: 1e12 / (1e15 * 0.25) = 4e-3
  EXPECT_DOUBLE_EQ(t.compute_s, 4e-3);
  // bandwidth: 0.8 * 1e9/(1e9+1e9) = 0.4: 1e9 / (2e12 * 0.4) = 1.25e-3
  EXPECT_DOUBLE_EQ(t.memory_s, 1.25e-3);
}

// ---- which dtype the matmul runs at ----

double ComputeSeconds(ic_dtype weights, ic_dtype activations, bool low_precision,
                      const ic_device& device = TestDevice()) {
  ic_execution execution = TestExecution();
  execution.weight_dtype = weights;
  execution.activation_dtype = activations;
  execution.flags = low_precision ? IC_EXECUTION_FLAG_LOW_PRECISION_MATH : 0;
  return Time(device, execution, Cost(1e12, 0)).compute_s;
}

TEST(RooflineDtype, LowPrecisionMathUsesTheWeightDtypeWhenTheDeviceHasIt) {
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_FP8, IC_DTYPE_BF16, true), 1e-3);   // 1e12/(2e15*0.5)
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_FP8, IC_DTYPE_BF16, false), 2e-3);  // 1e12/(1e15*0.5)
}

TEST(RooflineDtype, Int4WeightsWithBf16ActivationsComputeAtBf16) {
  // The device has no int4 peak: weights are up-cast, matmuls run at bf16.
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_INT4, IC_DTYPE_BF16, true), 2e-3);  // 1e12/(1e15*0.5)
}

TEST(RooflineDtype, MissingPeaksFallBackToWiderDtypes) {
  ic_device no_fp16 = TestDevice();
  no_fp16.matrix_flops_per_s[IC_DTYPE_FP16] = 0;
  // fp16 -> tf32: 1e12 / (500e12 * 0.5) = 4e-3
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_FP16, IC_DTYPE_FP16, false, no_fp16), 4e-3);

  ic_device no_bf16 = TestDevice();
  no_bf16.matrix_flops_per_s[IC_DTYPE_BF16] = 0;
  no_bf16.matrix_flops_per_s[IC_DTYPE_FP16] = 800e12;
  // bf16 -> fp16: 1e12 / (800e12 * 0.5) = 2.5e-3
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_BF16, IC_DTYPE_BF16, false, no_bf16), 2.5e-3);

  ic_device no_fp8 = TestDevice();
  no_fp8.matrix_flops_per_s[IC_DTYPE_FP8] = 0;
  // fp8 activations -> bf16: 1e12 / (1000e12 * 0.5) = 2e-3
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_FP8, IC_DTYPE_FP8, false, no_fp8), 2e-3);

  // fp32 has no matrix peak on the test device: the vector units, 1e12 / (50e12 * 0.5) = 0.04
  EXPECT_DOUBLE_EQ(ComputeSeconds(IC_DTYPE_FP32, IC_DTYPE_FP32, false), 0.04);
}

// ---- invalid input ----

struct InvalidTiming {
  std::string field;
  std::function<void(ic_device&, ic_execution&, ic_phase_cost&)> spoil;
};

TEST(RooflineValidation, InvalidCalibrationDeviceAndCostAreRejected) {
  const std::vector<InvalidTiming> cases = {
      {"matmul_efficiency = 0",
       [](ic_device&, ic_execution& e, ic_phase_cost&) { e.matmul_efficiency = 0; }},
      {"matmul_efficiency = 1.5",
       [](ic_device&, ic_execution& e, ic_phase_cost&) { e.matmul_efficiency = 1.5; }},
      {"bandwidth_efficiency = nan",
       [](ic_device&, ic_execution& e, ic_phase_cost&) { e.bandwidth_efficiency = std::nan(""); }},
      {"matmul_half_flops = -1",
       [](ic_device&, ic_execution& e, ic_phase_cost&) { e.matmul_half_flops = -1; }},
      {"bandwidth_half_bytes = -1",
       [](ic_device&, ic_execution& e, ic_phase_cost&) { e.bandwidth_half_bytes = -1; }},
      {"memory_bandwidth_bytes_per_s = 0",
       [](ic_device& d, ic_execution&, ic_phase_cost&) { d.memory_bandwidth_bytes_per_s = 0; }},
      {"activation_dtype = 9",
       [](ic_device&, ic_execution& e, ic_phase_cost&) { e.activation_dtype = 9; }},
      {"cost.kv_read_bytes = -5",
       [](ic_device&, ic_execution&, ic_phase_cost& c) { c.kv_read_bytes = -5; }},
      {"vector_flops_per_s = 0",
       [](ic_device& d, ic_execution&, ic_phase_cost& c) {
         d.vector_flops_per_s = 0;
         c.vector_flops = 1;
       }},
  };
  for (const InvalidTiming& c : cases) {
    ic_device device = TestDevice();
    ic_execution execution = TestExecution();
    ic_phase_cost cost = Cost(1e12, 1e9);
    c.spoil(device, execution, cost);
    const Timed out = PhaseTime("roofline", device, execution, cost);
    EXPECT_EQ(out.status.code, IC_STATUS_INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(out.status.message, HasSubstr(c.field));
  }
  EXPECT_EQ(LiveErrorCount(), 0);
}

TEST(RooflineDevices, DescribesNoDevicesOfItsOwn) {
  const LoadedPlugin* plugin = Plugin("roofline");
  ASSERT_NE(plugin, nullptr);
  const auto* table = static_cast<const ic_hardware_table*>(plugin->table->kind_table);
  EXPECT_EQ(table->device_count(plugin->instance), 0u);
  ic_device device{};
  device.struct_size = sizeof(device);
  EXPECT_EQ(TakeError(table->describe_device(plugin->instance, 0, &device)).code,
            IC_STATUS_OUT_OF_RANGE);
}

// ---- collectives ----

double Collective(ic_collective_op op, double bytes, int64_t group, bool spans_nodes = false,
                  const ic_device& device = TestDevice()) {
  ic_collective collective{};
  collective.struct_size = sizeof(collective);
  collective.op = op;
  collective.bytes = bytes;
  collective.group_size = group;
  collective.spans_nodes = spans_nodes ? 1 : 0;
  const Seconds out = CollectiveTime("roofline", device, TestExecution(), collective);
  EXPECT_TRUE(out.status.ok()) << out.status.message;
  return out.seconds;
}

// Every collective is also a kernel: each time below ends with TestExecution's 5 us overhead.
TEST(RooflineCollectives, AllReduceTakesTheFasterOfRingAndTree) {
  // Large: ring 2*7/8 * 1e9/100e9 + 2*7*1e-6 = 0.0175 + 0.000014 = 0.017514;
  //        tree 2*3*1e-6 + 2*1e9/100e9 = 0.020006 -> ring; + 5e-6 kernel = 0.017519
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_REDUCE, 1e9, 8), 0.017519);
  // Small: ring 2*7/8 * 1e3/1e11 + 14e-6 = 1.40175e-5; tree 6e-6 + 2e-8 = 6.02e-6 -> tree;
  //        + 5e-6 kernel = 1.102e-5
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_REDUCE, 1e3, 8), 1.102e-5);
  // p = 6: ceil(log2 6) = 3 levels: tree 2*3*1e-6 + 2e-8 = 6.02e-6; + 5e-6 = 1.102e-5
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_REDUCE, 1e3, 6), 1.102e-5);
}

TEST(RooflineCollectives, RingFormulasForGatherScatterAllToAllAndSendRecv) {
  // (p-1)/p * bytes/bw + (p-1)*lat + kernel = 7/8 * 8e8/1e11 + 7e-6 + 5e-6 = 0.007 + 0.000012
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_GATHER, 8e8, 8), 0.007012);
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_REDUCE_SCATTER, 8e8, 8), 0.007012);
  // All-to-all within a node: pairwise, 7/8 * 8e8/1e11 + 7*1e-6 + 5e-6 kernel = 0.007012
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_TO_ALL, 8e8, 8), 0.007012);
  // Across nodes (50 GB/s, 5 us link latency): every peer posted at once, one fixed completion
  // cost of 47 us (DeepEP's measured, > the 5 us link latency):
  //   15/16 * 1.6e9/5e10 + 47e-6 + 5e-6 kernel = 0.03 + 0.000052 = 0.030052
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_TO_ALL, 1.6e9, 16, true), 0.030052);
  // The fixed cost does not grow with the peers: 64 GPUs, 63/64 * 6.4e9/5e10 = 0.126, + 52e-6
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_TO_ALL, 6.4e9, 64, true), 0.126052);
  // Within one node (an NVLink domain of 72 GPUs), 64 GPUs: the pairwise 63 x 1 us = 63 us of
  // fixed time is more than the one-shot completion across nodes, which bounds it:
  //   63/64 * 6.4e9/1e11 + 47e-6 + 5e-6 kernel = 0.063 + 0.000052 = 0.063052
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_ALL_TO_ALL, 6.4e9, 64), 0.063052);
  // bytes/bw + lat + kernel = 1e9/1e11 + 1e-6 + 5e-6
  EXPECT_DOUBLE_EQ(Collective(IC_COLLECTIVE_SEND_RECV, 1e9, 2), 0.010006);
}

TEST(RooflineCollectives, ASingleGpuGroupCostsNothing) {
  ic_device no_links = TestDevice();
  no_links.scale_up_bandwidth_bytes_per_s = 0;  // fine: nothing crosses a link
  EXPECT_EQ(Collective(IC_COLLECTIVE_ALL_REDUCE, 1e9, 1, false, no_links), 0);
  EXPECT_EQ(Collective(IC_COLLECTIVE_ALL_TO_ALL, 1e9, 1), 0);
}

TEST(RooflineCollectives, InvalidLinksAndPayloadsAreRejected) {
  ic_device no_links = TestDevice();
  no_links.scale_up_bandwidth_bytes_per_s = 0;
  ic_collective collective{};
  collective.struct_size = sizeof(collective);
  collective.op = IC_COLLECTIVE_ALL_REDUCE;
  collective.bytes = 1e9;
  collective.group_size = 2;
  const Seconds no_bandwidth = CollectiveTime("roofline", no_links, TestExecution(), collective);
  EXPECT_EQ(no_bandwidth.status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(no_bandwidth.status.message, HasSubstr("scale_up_bandwidth_bytes_per_s = 0"));

  collective.bytes = -1;
  const Seconds negative = CollectiveTime("roofline", TestDevice(), TestExecution(), collective);
  EXPECT_EQ(negative.status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(negative.status.message, HasSubstr("collective.bytes = -1"));

  collective.bytes = 1e9;
  collective.op = 42;
  const Seconds unknown = CollectiveTime("roofline", TestDevice(), TestExecution(), collective);
  EXPECT_EQ(unknown.status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(unknown.status.message, HasSubstr("op = 42"));
}

}  // namespace
}  // namespace infercost::testing
