/* infercost ABI v1 — umbrella header for plugin authors writing plain C.
 *
 *   #include "infercost/c/plugin.h"
 *   IC_EXPORT const ic_plugin* infercost_plugin_entry(void) { return &my_plugin; }
 */
#ifndef INFERCOST_C_PLUGIN_H_
#define INFERCOST_C_PLUGIN_H_

#include "infercost/c/abi.h"
#include "infercost/c/attention_kernel.h"
#include "infercost/c/attention_variant.h"
#include "infercost/c/dtype.h"
#include "infercost/c/hardware.h"
#include "infercost/c/phase.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one symbol a plugin library exports. */
IC_EXPORT const ic_plugin* infercost_plugin_entry(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_PLUGIN_H_ */
