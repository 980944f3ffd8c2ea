/* infercost ABI v1 — hardware plugins (the generic roofline, and vendors' device models).
 *
 * A hardware plugin turns a phase's costs into time on one device and times collectives over
 * a group of devices. The device description comes either from a hardware preset (the host
 * fills ic_device from TOML and passes it in) or from the plugin itself (device_count /
 * describe_device, for vendors who ship their own devices).
 *
 *   const ic_hardware_table* t = plugin->kind_table;
 *   ic_phase_time time = {sizeof time};
 *   ic_error* err = t->phase_time(instance, &device, &execution, &cost, &time);
 *   // 1.3: many records per call (phase_times), when the table has it
 *   // 1.5: records' times as maxima of affine pieces of their fields (phase_time_models)
 */
#ifndef INFERCOST_C_HARDWARE_H_
#define INFERCOST_C_HARDWARE_H_

#include <stddef.h>
#include <stdint.h>

#include "infercost/c/abi.h"
#include "infercost/c/dtype.h"
#include "infercost/c/phase.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One device. Rates are peaks per second; 0 in matrix_flops_per_s means "no matrix support for
 * that dtype". */
typedef struct ic_device {
  uint32_t struct_size;
  uint32_t reserved;
  ic_string name;
  double matrix_flops_per_s[IC_DTYPE_COUNT_V1]; /* dense matrix peak, indexed by ic_dtype */
  double vector_flops_per_s;                    /* element-wise (non-matrix) peak */
  double memory_bandwidth_bytes_per_s;
  double memory_capacity_bytes;
  double onchip_memory_bytes;
  double l2_cache_bytes;
  double scale_up_bandwidth_bytes_per_s; /* per GPU, per direction, inside a node */
  double scale_up_latency_s;
  double scale_out_bandwidth_bytes_per_s; /* per GPU, per direction, across nodes */
  double scale_out_latency_s;
  double power_watts;
  double price_usd_per_gpu_hour;
  int64_t gpus_per_node;
  int64_t compute_units;
  /* ---- 1.1: read only when IC_HAS_FIELD(device, ic_device, field) ---- */
  ic_string display_name; /* "NVIDIA H100 SXM5 80GB"; name above stays the registry key */
  ic_string vendor;       /* "NVIDIA" */
  /* Dense matrix peaks as a counted table indexed by ic_dtype (entries past the count: no
   * support). Covers dtypes appended after IC_DTYPE_COUNT_V1; its first IC_DTYPE_COUNT_V1
   * entries equal matrix_flops_per_s above. NULL/0: use matrix_flops_per_s. Whoever fills the
   * struct owns the storage: the host's lives for the call, a plugin's (describe_device) until
   * its next call on the instance. */
  const double* matrix_peaks;
  uint64_t matrix_peak_count;
} ic_device;

enum {
  /* The engine computes matmuls in the weight dtype when the device supports it (e.g. fp8 x
   * fp8); otherwise weights are up-cast and matmuls run at the activation dtype. */
  IC_EXECUTION_FLAG_LOW_PRECISION_MATH = 1u << 0
};

/* How the serving engine drives the device: dtypes and calibration. */
typedef struct ic_execution {
  uint32_t struct_size;
  uint32_t flags; /* IC_EXECUTION_FLAG_* */
  ic_dtype weight_dtype;
  ic_dtype activation_dtype;
  ic_dtype kv_dtype;
  int32_t reserved;
  double matmul_efficiency;    /* achievable fraction of matrix peak for large matmuls (0..1] */
  double matmul_half_flops;    /* matmul size (FLOPs) reaching half of that; 0 = size-independent */
  double bandwidth_efficiency; /* achievable fraction of HBM bandwidth for large transfers */
  double bandwidth_half_bytes; /* transfer size reaching half of that; 0 = size-independent */
  double kernel_overhead_s;    /* fixed cost per kernel launch */
} ic_execution;

typedef int32_t ic_bound;
enum {
  IC_BOUND_COMPUTE = 0,
  IC_BOUND_MEMORY = 1,
  IC_BOUND_OVERHEAD = 2,
  IC_BOUND_COMMUNICATION = 3
};

typedef struct ic_phase_time {
  uint32_t struct_size;
  ic_bound bound;
  double compute_s;
  double memory_s;
  double communication_s;
  double overhead_s;
  double time_s; /* the phase's wall time on the device */
} ic_phase_time;

/* 1.5: one affine piece of a record's time: constant_s plus seconds per unit of each of the
 * record's timed fields (comm_bytes are timed as collectives, not here). */
typedef struct ic_time_piece {
  double constant_s;
  double s_per_matrix_flop;
  double s_per_vector_flop;
  double s_per_weight_byte;
  double s_per_kv_read_byte;
  double s_per_kv_write_byte;
  double s_per_activation_byte;
} ic_time_piece;

#define IC_TIME_MODEL_MAX_PIECES 4

/* 1.5: a record's time on the device as overhead_s + the largest of piece_count affine pieces
 * (e.g. the roofline: a compute piece and a memory piece), valid for every record of the same
 * phase whose timed fields are, field by field, zero where the given record's are zero and
 * positive where they are positive, whatever its other fields (GEMM shape, params) hold.
 * piece_count 0: the plugin has no such model for this record (the host then asks phase_time at
 * each step it needs). */
typedef struct ic_time_model {
  uint32_t struct_size;
  uint32_t piece_count; /* 0 .. IC_TIME_MODEL_MAX_PIECES */
  double overhead_s;    /* added to the largest piece, as ic_phase_time.overhead_s */
  ic_time_piece pieces[IC_TIME_MODEL_MAX_PIECES];
} ic_time_model;

typedef int32_t ic_collective_op;
enum {
  IC_COLLECTIVE_ALL_REDUCE = 0,
  IC_COLLECTIVE_ALL_GATHER = 1,
  IC_COLLECTIVE_REDUCE_SCATTER = 2,
  IC_COLLECTIVE_ALL_TO_ALL = 3,
  IC_COLLECTIVE_SEND_RECV = 4
};

typedef struct ic_collective {
  uint32_t struct_size;
  ic_collective_op op;
  double bytes;        /* payload per GPU (the tensor size), not the bytes on the wire */
  int64_t group_size;  /* GPUs taking part */
  int64_t spans_nodes; /* 1 when the group crosses the scale-out network */
} ic_collective;

typedef struct ic_hardware_table {
  uint32_t struct_size;
  uint32_t reserved;
  /* Devices the plugin itself describes (0 for a preset-driven model such as roofline). 1.1
   * hosts call count_devices instead when the table has it: this one has no way to fail. */
  uint64_t (*device_count)(void* instance);
  ic_error* (*describe_device)(void* instance, uint64_t index, ic_device* out);
  /* Time of one phase (one layer's worth, whole batch) on one device. */
  ic_error* (*phase_time)(void* instance, const ic_device* device, const ic_execution* execution,
                          const ic_phase_cost* cost, ic_phase_time* out);
  /* Time of one collective over a group of devices. */
  ic_error* (*collective_time)(void* instance, const ic_device* device,
                               const ic_execution* execution, const ic_collective* collective,
                               double* seconds);
  /* ---- 1.1: used when IC_HAS_FIELD says the table holds it and it is non-NULL ---- */
  /* device_count that can fail (e.g. a vendor's device database cannot be read). */
  ic_error* (*count_devices)(void* instance, uint64_t* count);
  /* ---- 1.3: used when IC_HAS_FIELD says the table holds it and it is non-NULL ---- */
  /* phase_time of `count` records in one call (a step's phases, a decode step's attention), the
   * device and execution checked once: `costs` are `cost_size` bytes apart (the host's
   * sizeof(ic_phase_cost), at least IC_PHASE_COST_V1_0_SIZE), out[i] (`time_size` bytes apart,
   * struct_size set by the host) receives record i's time, exactly what phase_time gives it.
   * On an error the outputs are undefined (a host times the records one by one to say which
   * one). */
  ic_error* (*phase_times)(void* instance, const ic_device* device, const ic_execution* execution,
                           const ic_phase_cost* costs, uint64_t count, uint64_t cost_size,
                           ic_phase_time* out, uint64_t time_size);
  /* ---- 1.5: used when IC_HAS_FIELD says the table holds it and it is non-NULL ---- */
  /* The time phase_time gives each of `count` records, as a maximum of affine pieces of its
   * fields (see ic_time_model: for which other records it holds): `costs` `cost_size` bytes
   * apart as in phase_times, out[i] (`model_size` bytes apart, struct_size set by the host)
   * receives record i's model, piece_count 0 where its time is not of that form. A host sums
   * the decode steps' times with them in closed form instead of timing every step. */
  ic_error* (*phase_time_models)(void* instance, const ic_device* device,
                                 const ic_execution* execution, const ic_phase_cost* costs,
                                 uint64_t count, uint64_t cost_size, ic_time_model* out,
                                 uint64_t model_size);
} ic_hardware_table;

IC_STATIC_ASSERT(offsetof(ic_device, compute_units) + 8 == 192, "ic_device v1.0 layout is frozen");
#define IC_DEVICE_V1_0_SIZE 192u
#define IC_HARDWARE_TABLE_V1_0_SIZE 40u
IC_STATIC_ASSERT(offsetof(ic_device, matrix_flops_per_s) == 24, "ic_device v1.0 layout");
IC_STATIC_ASSERT(offsetof(ic_device, vector_flops_per_s) == 88, "ic_device v1.0 layout");
IC_STATIC_ASSERT(offsetof(ic_device, compute_units) == 184, "ic_device v1.0 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_execution) == 64, "ic_execution v1.0 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_phase_time) == 48, "ic_phase_time v1.0 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_collective) == 32, "ic_collective v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_hardware_table, collective_time) + 8 == 40, "hardware table v1.0");
IC_STATIC_ASSERT(offsetof(ic_hardware_table, collective_time) == 32, "hardware table v1.0");

/* ---- v1.1 additions, frozen ---- */
IC_STATIC_ASSERT(offsetof(ic_device, display_name) == 192, "ic_device v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_device, matrix_peaks) == 224, "ic_device v1.1 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_device) == 240, "ic_device v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_hardware_table, count_devices) == 40, "hardware table v1.1");
IC_STATIC_ASSERT(offsetof(ic_hardware_table, count_devices) + 8 == 48,
                 "ic_hardware_table v1.1 layout is frozen");

/* ---- v1.3 additions ---- */
IC_STATIC_ASSERT(offsetof(ic_hardware_table, phase_times) == 48, "hardware table v1.3");
IC_STATIC_ASSERT(offsetof(ic_hardware_table, phase_times) + 8 == 56,
                 "ic_hardware_table v1.3 layout is frozen");

/* ---- v1.5 additions ---- */
IC_STATIC_ASSERT(sizeof(ic_time_piece) == 56, "ic_time_piece v1.5 layout");
IC_STATIC_ASSERT(offsetof(ic_time_model, pieces) == 16, "ic_time_model v1.5 layout");
IC_STATIC_ASSERT(sizeof(ic_time_model) == 240, "ic_time_model v1.5 layout");
IC_STATIC_ASSERT(offsetof(ic_hardware_table, phase_time_models) == 56, "hardware table v1.5");
IC_STATIC_ASSERT(sizeof(ic_hardware_table) == 64, "ic_hardware_table v1.5 layout");

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_HARDWARE_H_ */
