/* infercost ABI v1 — numeric data types.
 *
 * Identifies the element type of weights, activations and the KV cache, and indexes the
 * per-dtype matrix peaks of a device (ic_device.matrix_flops_per_s[IC_DTYPE_BF16]).
 * Bytes per element travel beside the id (int4 and fp4 are 0.5 byte).
 */
#ifndef INFERCOST_C_DTYPE_H_
#define INFERCOST_C_DTYPE_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t ic_dtype;
enum {
  IC_DTYPE_FP32 = 0,
  IC_DTYPE_TF32 = 1,
  IC_DTYPE_BF16 = 2,
  IC_DTYPE_FP16 = 3,
  IC_DTYPE_FP8 = 4,
  IC_DTYPE_INT8 = 5,
  IC_DTYPE_INT4 = 6,
  IC_DTYPE_FP4 = 7,
  IC_DTYPE_COUNT_V1 = 8 /* number of dtypes in v1; later minors may append */
};

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_DTYPE_H_ */
