/* infercost plugin ABI v1 — the foundation every other ABI header builds on.
 *
 * Plain C11, no dependencies. Defines the ABI version, the export macro, the pointer+length
 * string, status codes (numerically identical to absl::StatusCode), the opaque host-created
 * error, the host-services table a plugin receives at initialize, the plugin table that the one
 * exported entry symbol returns, and (1.1) named option values.
 *
 *   const ic_plugin* infercost_plugin_entry(void);   // the only symbol a plugin exports
 *
 * Every struct starts with `uint32_t struct_size`; tables are append-only within a major
 * version (see sdk/ABI.md). Sizes and offsets of v1.0 are frozen by static asserts below.
 */
#ifndef INFERCOST_C_ABI_H_
#define INFERCOST_C_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INFERCOST_ABI_MAJOR 1
#define INFERCOST_ABI_MINOR 5

/* Name of the one symbol every plugin library exports. */
#define INFERCOST_PLUGIN_ENTRY_SYMBOL "infercost_plugin_entry"

#if defined(_WIN32)
#define IC_EXPORT __declspec(dllexport)
#else
#define IC_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define IC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define IC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* True when `ptr` (a struct_size-first struct of type `type`) is large enough to hold `field`.
 * Check this before reading any field added after v1.0 (a struct or table from an older peer
 * ends before it). */
#define IC_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* A string that does not own its bytes: pointer + length, not necessarily NUL-terminated. */
typedef struct ic_string {
  const char* data;
  uint64_t size;
} ic_string;

/* Status codes, numerically identical to absl::StatusCode. */
typedef int32_t ic_status_code;
enum {
  IC_STATUS_OK = 0,
  IC_STATUS_CANCELLED = 1,
  IC_STATUS_UNKNOWN = 2,
  IC_STATUS_INVALID_ARGUMENT = 3,
  IC_STATUS_DEADLINE_EXCEEDED = 4,
  IC_STATUS_NOT_FOUND = 5,
  IC_STATUS_ALREADY_EXISTS = 6,
  IC_STATUS_PERMISSION_DENIED = 7,
  IC_STATUS_RESOURCE_EXHAUSTED = 8,
  IC_STATUS_FAILED_PRECONDITION = 9,
  IC_STATUS_ABORTED = 10,
  IC_STATUS_OUT_OF_RANGE = 11,
  IC_STATUS_UNIMPLEMENTED = 12,
  IC_STATUS_INTERNAL = 13,
  IC_STATUS_UNAVAILABLE = 14,
  IC_STATUS_DATA_LOSS = 15,
  IC_STATUS_UNAUTHENTICATED = 16
};

/* An error created by the host (through ic_host_services.make_error) and owned by the host.
 * A plugin function returns NULL for success or such an error; it never frees one. */
typedef struct ic_error ic_error;

/* (1.1) What a plugin function called with a NULL instance returns: it has no host to make an
 * error with, and keeps no global host pointer. A 1.1 host reads it as INVALID_ARGUMENT
 * "null plugin instance" and never frees it. Hosts never pass a NULL instance themselves. */
#define IC_ERROR_NULL_INSTANCE ((ic_error*)(uintptr_t)1)

typedef int32_t ic_log_level;
enum { IC_LOG_DEBUG = 0, IC_LOG_INFO = 1, IC_LOG_WARNING = 2, IC_LOG_ERROR = 3 };

/* Services the host lends a plugin at initialize; valid until the plugin is destroyed. */
typedef struct ic_host_services {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  void* host_context; /* pass back as the first argument of every call below */
  ic_error* (*make_error)(void* host_context, ic_status_code code, ic_string message);
  void (*log)(void* host_context, ic_log_level level, ic_string message);
} ic_host_services;

typedef int32_t ic_plugin_kind;
enum {
  IC_PLUGIN_KIND_ATTENTION_VARIANT = 1, /* kind_table: const ic_attention_variant_table* */
  IC_PLUGIN_KIND_ATTENTION_KERNEL = 2,  /* kind_table: const ic_attention_kernel_table* */
  IC_PLUGIN_KIND_HARDWARE = 3           /* kind_table: const ic_hardware_table* */
};

/* Flags a plugin declares about itself. */
enum {
  /* The plugin's functions may be called concurrently on one instance. Without it the host
   * serialises every call on an instance. The author declares it; nothing assumes it. */
  IC_PLUGIN_FLAG_THREAD_SAFE = 1u << 0,
  /* (1.1) Hardware plugins: the plugin's times already reflect what the device achieves (its own
   * measured kernel efficiencies), so the host passes ic_execution with matmul_efficiency =
   * bandwidth_efficiency = 1 and no half sizes, keeping only the engine's software costs
   * (kernel_overhead_s; per-step, per-layer and per-sequence costs stay host-side). */
  IC_PLUGIN_FLAG_OWN_EFFICIENCY = 1u << 1
};

/* (1.1) A named value handed to a plugin: a variant's hyper-parameters and options, from the
 * model preset's [variant] table, a config.json import or `--variant-option key=value`. */
typedef int32_t ic_value_type;
enum {
  IC_VALUE_INT = 0,   /* int_value; float_value holds the same number */
  IC_VALUE_FLOAT = 1, /* float_value */
  IC_VALUE_BOOL = 2,  /* int_value: 0 or 1 */
  IC_VALUE_STRING = 3 /* string_value */
};

typedef struct ic_option {
  uint32_t struct_size;
  ic_value_type type;
  ic_string name; /* e.g. "kv_lora_rank"; [a-z0-9_.]+ */
  int64_t int_value;
  double float_value;
  ic_string string_value;
  ic_string source; /* where it was set, for messages: "presets/models/x.toml [variant]" */
} ic_option;

/* The table the entry symbol returns. Static storage; never freed. */
typedef struct ic_plugin {
  uint32_t struct_size;
  uint16_t abi_major; /* INFERCOST_ABI_MAJOR the plugin was built against */
  uint16_t abi_minor; /* INFERCOST_ABI_MINOR the plugin was built against */
  ic_plugin_kind kind;
  uint32_t flags; /* IC_PLUGIN_FLAG_* */
  ic_string name; /* registry name, e.g. "gqa"; [a-z0-9._-]+ */
  ic_string version;
  ic_string vendor;
  ic_string description;
  /* Creates one instance. `host` outlives the instance. On error *instance is untouched. */
  ic_error* (*initialize)(const ic_host_services* host, void** instance);
  void (*destroy)(void* instance);
  const void* kind_table; /* the function table of `kind`, struct_size first */
} ic_plugin;

typedef const ic_plugin* (*ic_plugin_entry_fn)(void);

/* ---- v1.0 layout, frozen (LP64) ---- */
IC_STATIC_ASSERT(sizeof(ic_string) == 16, "ic_string v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_string, size) == 8, "ic_string v1.0 layout is frozen");
IC_STATIC_ASSERT(sizeof(ic_host_services) == 32, "ic_host_services v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_host_services, make_error) == 16, "ic_host_services v1.0 layout");
IC_STATIC_ASSERT(offsetof(ic_host_services, log) == 24, "ic_host_services v1.0 layout");
IC_STATIC_ASSERT(sizeof(ic_plugin) == 104, "ic_plugin v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_plugin, kind) == 8, "ic_plugin v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_plugin, name) == 16, "ic_plugin v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_plugin, description) == 64, "ic_plugin v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_plugin, initialize) == 80, "ic_plugin v1.0 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_plugin, kind_table) == 96, "ic_plugin v1.0 layout is frozen");

#define IC_PLUGIN_V1_0_SIZE 104u

/* ---- v1.1 additions, frozen ---- */
IC_STATIC_ASSERT(sizeof(ic_option) == 72, "ic_option v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_option, name) == 8, "ic_option v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_option, int_value) == 24, "ic_option v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_option, string_value) == 40, "ic_option v1.1 layout is frozen");
IC_STATIC_ASSERT(offsetof(ic_option, source) == 56, "ic_option v1.1 layout is frozen");

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* INFERCOST_C_ABI_H_ */
