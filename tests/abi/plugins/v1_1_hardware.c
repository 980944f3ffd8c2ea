/* A hardware plugin built as ABI 1.1 had it: its kind table ends at count_devices (1.3 appended
 * phase_times). The field this build's header has there points at a function that aborts: the
 * host must see from struct_size that the table does not hold it, and time records one by one.
 *
 * Its toy timing: compute = matrix_flops / 1e15 s, memory = weight_bytes / 1e12 s, overhead
 * 1e-6 s, time = max(compute, memory) + overhead. */
#include <stddef.h>
#include <stdlib.h>

#include "abi_test_plugins.h"
#include "infercost/c/plugin.h"

static int the_instance;

static ic_error* Initialize(const ic_host_services* host, void** out) {
  (void)host;
  *out = &the_instance;
  return NULL;
}

static void Destroy(void* inst) { (void)inst; }

static uint64_t DeviceCount(void* inst) {
  (void)inst;
  return 0;
}

static ic_error* DescribeDevice(void* inst, uint64_t index, ic_device* out) {
  (void)inst;
  (void)index;
  (void)out;
  return NULL;
}

static ic_error* PhaseTime(void* inst, const ic_device* device, const ic_execution* execution,
                           const ic_phase_cost* cost, ic_phase_time* out) {
  (void)inst;
  (void)device;
  (void)execution;
  out->compute_s = cost->matrix_flops / 1e15;
  out->memory_s = cost->weight_bytes / 1e12;
  out->overhead_s = 1e-6;
  out->bound = out->compute_s > out->memory_s ? IC_BOUND_COMPUTE : IC_BOUND_MEMORY;
  out->time_s = (out->compute_s > out->memory_s ? out->compute_s : out->memory_s) + out->overhead_s;
  return NULL;
}

static ic_error* CollectiveTime(void* inst, const ic_device* device, const ic_execution* execution,
                                const ic_collective* collective, double* seconds) {
  (void)inst;
  (void)device;
  (void)execution;
  *seconds = collective->bytes / 1e11;
  return NULL;
}

static ic_error* CountDevices(void* inst, uint64_t* count) {
  (void)inst;
  *count = 0;
  return NULL;
}

static ic_error* PhaseTimes(void* inst, const ic_device* device, const ic_execution* execution,
                            const ic_phase_cost* costs, uint64_t count, uint64_t cost_size,
                            ic_phase_time* out, uint64_t time_size) {
  (void)inst;
  (void)device;
  (void)execution;
  (void)costs;
  (void)count;
  (void)cost_size;
  (void)out;
  (void)time_size;
  abort(); /* beyond this table's struct_size: the host must never call it */
}

static ic_error* PhaseTimeModels(void* instance, const ic_device* device,
                                 const ic_execution* execution, const ic_phase_cost* costs,
                                 uint64_t count, uint64_t cost_size, ic_time_model* out,
                                 uint64_t model_size) {
  (void)instance;
  (void)device;
  (void)execution;
  (void)costs;
  (void)count;
  (void)cost_size;
  (void)out;
  (void)model_size;
  abort(); /* beyond this table's struct_size: the host must never call it */
}

static const ic_hardware_table hardware_table = {
    offsetof(ic_hardware_table, phase_times), /* the 1.1 table: 48 bytes */
    0,
    DeviceCount,
    DescribeDevice,
    PhaseTime,
    CollectiveTime,
    CountDevices,
    PhaseTimes,
    PhaseTimeModels,
};

static const ic_plugin plugin = {
    sizeof(ic_plugin),
    INFERCOST_ABI_MAJOR,
    1, /* built against ABI 1.1 */
    IC_PLUGIN_KIND_HARDWARE,
    IC_PLUGIN_FLAG_THREAD_SAFE,
    LITERAL(PLUGIN_NAME),
    LITERAL("1.1.0"),
    LITERAL("infercost tests"),
    LITERAL("a hardware table of ABI 1.1 (no phase_times)"),
    Initialize,
    Destroy,
    &hardware_table,
};

IC_EXPORT const ic_plugin* infercost_plugin_entry(void) { return &plugin; }
