// infercost-conformance — the checks. Each is a named function of the plugin path that runs
// inside its own isolated process (see isolate.h), loads the plugin there and returns a
// CheckResult (or Fail()s / Skip()s).
//
// Order of a report: handshake, exported_symbols, then the checks of the plugin's kind
// (versions.*, lifecycle, errors.*, invariants.*, thread_safety).
#ifndef INFERCOST_SDK_CONFORMANCE_CHECKS_H_
#define INFERCOST_SDK_CONFORMANCE_CHECKS_H_

#include <functional>
#include <string>
#include <vector>

#include "common.h"
#include "host.h"
#include "infercost/c/plugin.h"
#include "plugin_handle.h"

namespace infercost::conformance {

struct CheckSpec {
  std::string name;
  std::string summary;  // one line, for --list-checks and the README
  std::function<CheckResult(const std::string& path)> run;
};

// File is ELF, dlopen works, the entry symbol and its table pass every host check, and
// initialize/destroy succeed once. On success, info holds name, version, vendor, kind,
// abi_major, abi_minor and thread_safe.
CheckResult HandshakeCheck(const std::string& path);
// Only infercost_plugin_entry is a defined dynamic symbol (linker markers aside).
CheckResult ExportedSymbolsCheck(const std::string& path);

// Names of the checks every kind has, reported as skipped when the handshake fails.
std::vector<std::string> CommonCheckNames();

// The checks after the handshake for a plugin of `kind` (empty for an unknown kind).
std::vector<CheckSpec> ChecksFor(ic_plugin_kind kind);

// ---- shared by the kinds ----

// A representative call on one instance whose result (or error) comes back as bytes that can
// be compared with ==.
struct LabeledCall {
  std::string label;
  std::function<std::string(void* instance)> call;
};
using WorkloadBuilder = std::function<std::vector<LabeledCall>(const PluginHandle&, Host&)>;

// initialize/destroy 100 times; several instances alive at once agree with a lone instance;
// destroying them out of order leaves the others working.
CheckResult LifecycleCheck(const std::string& path, const WorkloadBuilder& workload);
// Skips unless the plugin sets IC_PLUGIN_FLAG_THREAD_SAFE; else 8 threads call one instance
// concurrently and must get the serial results.
CheckResult ThreadSafetyCheck(const std::string& path, const WorkloadBuilder& workload);

// Adds a problem unless `error` is an error this host made with a non-OK code.
void ExpectError(const std::string& call, const ErrorInfo& error, Problems& problems);
// "error INVALID_ARGUMENT: ..." — for fingerprints.
std::string Fingerprint(const ErrorInfo& error);

// Mutations of the reference stage that every attention plugin must refuse. `kv_related`
// marks those kv_cache_bytes_per_token must refuse too.
struct StageMutation {
  std::string label;
  std::function<void(ic_stage&)> apply;
  bool kv_related;
};
std::vector<StageMutation> InvalidStageMutations();
// Shapes/tensor-parallel sizes every attention plugin must refuse.
struct ShapeMutation {
  std::string label;
  std::function<void(ic_attention_shape&, int64_t& tensor_parallel)> apply;
};
std::vector<ShapeMutation> InvalidShapeMutations();

std::vector<CheckSpec> VariantChecks();
std::vector<CheckSpec> KernelChecks();
std::vector<CheckSpec> HardwareChecks();

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_CHECKS_H_
