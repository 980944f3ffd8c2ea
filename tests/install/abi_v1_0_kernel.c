/* An attention-kernel plugin built against the FROZEN ABI 1.0 headers (tests/install/
 * abi_v1_0_headers), never against the current SDK: the proof that a 1.0 kernel still reads the
 * host's phase records at its own (1.0) stride after ic_phase_cost grew in 1.2. Registered as
 * "abi10_kernel".
 *
 * Its rewrite is chosen to be checkable by hand, record by record: every record's kv_read_bytes
 * doubles and activation_bytes gains 1000 x (its position + 1). A host passing records at any
 * other stride than 104 bytes would make records 2.. read and write garbage.
 *
 * Do not edit the headers this is compiled against, and do not include anything from sdk/. */
#include <stddef.h>
#include <stdint.h>

#include "infercost/c/plugin.h"

#if INFERCOST_ABI_MAJOR != 1 || INFERCOST_ABI_MINOR != 0
#error "abi_v1_0_kernel.c must be compiled against the frozen ABI 1.0 headers"
#endif

static ic_string Str(const char* text) {
  ic_string s;
  s.data = text;
  s.size = 0;
  while (text[s.size] != '\0') ++s.size;
  return s;
}

static int g_instance;

static ic_error* Initialize(const ic_host_services* host, void** instance) {
  (void)host;
  if (instance != NULL) *instance = &g_instance;
  return NULL;
}

static void Destroy(void* instance) { (void)instance; }

static ic_error* RewriteTraffic(void* instance, const ic_attention_shape* shape,
                                const ic_stage* stage, const ic_kernel_device* device,
                                ic_phase_cost* phases, uint64_t phase_count) {
  (void)instance;
  (void)shape;
  (void)stage;
  (void)device;
  for (uint64_t i = 0; i < phase_count; ++i) {
    phases[i].kv_read_bytes *= 2;
    phases[i].activation_bytes += 1000.0 * (double)(i + 1);
  }
  return NULL;
}

static const ic_attention_kernel_table kTable = {sizeof(ic_attention_kernel_table), 0,
                                                 RewriteTraffic};

static ic_plugin kPlugin;

IC_EXPORT const ic_plugin* infercost_plugin_entry(void) {
  kPlugin.struct_size = sizeof(ic_plugin);
  kPlugin.abi_major = INFERCOST_ABI_MAJOR;
  kPlugin.abi_minor = INFERCOST_ABI_MINOR;
  kPlugin.kind = IC_PLUGIN_KIND_ATTENTION_KERNEL;
  kPlugin.flags = IC_PLUGIN_FLAG_THREAD_SAFE;
  kPlugin.name = Str("abi10_kernel");
  kPlugin.version = Str("1.0.0");
  kPlugin.vendor = Str("infercost tests");
  kPlugin.description = Str("a checkable kernel built against the frozen ABI 1.0 headers");
  kPlugin.initialize = Initialize;
  kPlugin.destroy = Destroy;
  kPlugin.kind_table = &kTable;
  return &kPlugin;
}
