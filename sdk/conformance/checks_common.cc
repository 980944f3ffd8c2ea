// The checks every plugin gets: handshake, exported symbols, lifecycle and thread safety, and
// the helpers the kind-specific checks share.
#include <algorithm>
#include <cmath>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include "checks.h"
#include "elf_symbols.h"

namespace infercost::conformance {

CheckResult HandshakeCheck(const std::string& path) {
  PluginHandle plugin = PluginHandle::Open(path);
  const ic_plugin& table = plugin.plugin();
  Progress("initialize");
  {
    Host host;
    Instance instance(plugin, host);
    Progress("destroy");
  }
  CheckResult result;
  auto text = [](ic_string s) { return std::string(s.data == nullptr ? "" : s.data, s.size); };
  result.info = {{"name", text(table.name)},
                 {"version", text(table.version)},
                 {"vendor", text(table.vendor)},
                 {"kind", KindName(table.kind)},
                 {"abi_major", std::to_string(table.abi_major)},
                 {"abi_minor", std::to_string(table.abi_minor)},
                 {"thread_safe", plugin.thread_safe() ? "1" : "0"}};
  const char* minor_note = table.abi_minor > INFERCOST_ABI_MINOR
                               ? " (newer than this runner: only ABI 1.0 fields are checked)"
                               : "";
  result.reason = Cat(KindName(table.kind), " '", text(table.name), "' ", text(table.version),
                      ", ABI ", table.abi_major, ".", table.abi_minor, minor_note, ", table of ",
                      table.struct_size, " bytes; initialize/destroy work");
  return result;
}

CheckResult ExportedSymbolsCheck(const std::string& path) {
  Progress("reading the dynamic symbol table");
  ElfSymbols symbols = ReadDefinedDynamicSymbols(path);
  if (!symbols.error.empty()) Fail(Cat("cannot read the dynamic symbols: ", symbols.error));
  bool has_entry = false;
  std::vector<std::string> unexpected;
  for (const std::string& name : symbols.defined) {
    if (name == INFERCOST_PLUGIN_ENTRY_SYMBOL) {
      has_entry = true;
    } else if (name != "_init" && name != "_fini" && name != "_edata" && name != "_end" &&
               name != "__bss_start") {
      unexpected.push_back(name);
    }
  }
  std::sort(unexpected.begin(), unexpected.end());
  unexpected.erase(std::unique(unexpected.begin(), unexpected.end()), unexpected.end());
  Problems problems;
  if (!has_entry) {
    problems.Add(Cat("does not export ", INFERCOST_PLUGIN_ENTRY_SYMBOL));
  }
  if (!unexpected.empty()) {
    std::string list;
    for (size_t i = 0; i < unexpected.size() && i < 10; ++i) {
      list += (i > 0 ? ", " : "") + unexpected[i];
    }
    if (unexpected.size() > 10) list += Cat(", ... (", unexpected.size(), " in all)");
    problems.Add(Cat("exports unexpected symbol", unexpected.size() > 1 ? "s " : " ", list,
                     " (build with hidden visibility and the export map sdk/cmake/plugin.map, "
                     "e.g. through infercost_add_plugin())"));
  }
  problems.FailIfAny();
  return {Status::kPass, Cat("only ", INFERCOST_PLUGIN_ENTRY_SYMBOL, " is exported"), {}};
}

std::vector<std::string> CommonCheckNames() {
  return {"versions.input_structs", "versions.output_structs", "lifecycle", "errors.null_arguments",
          "thread_safety"};
}

std::vector<CheckSpec> ChecksFor(ic_plugin_kind kind) {
  switch (kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT:
      return VariantChecks();
    case IC_PLUGIN_KIND_ATTENTION_KERNEL:
      return KernelChecks();
    case IC_PLUGIN_KIND_HARDWARE:
      return HardwareChecks();
    default:
      return {};
  }
}

void ExpectError(const std::string& call, const ErrorInfo& error, Problems& problems) {
  if (!error.is_error) {
    problems.Add(Cat(call, " succeeded"));
  } else if (!error.made_by_host) {
    problems.Add(Cat(call,
                     " returned an ic_error* the host never made (errors must come from "
                     "host->make_error)"));
  } else if (error.code == IC_STATUS_OK) {
    problems.Add(Cat(call, " returned an error with code OK"));
  }
}

std::string Fingerprint(const ErrorInfo& error) { return "error " + error.ToString(); }

std::vector<StageMutation> InvalidStageMutations() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {
      {"batch = 0", [](ic_stage& s) { s.batch = 0; }, false},
      {"batch = -1", [](ic_stage& s) { s.batch = -1; }, false},
      {"query_tokens = 0", [](ic_stage& s) { s.query_tokens = 0; }, false},
      {"query_tokens = -4", [](ic_stage& s) { s.query_tokens = -4; }, false},
      {"context_tokens = 0", [](ic_stage& s) { s.context_tokens = 0; }, false},
      {"context_tokens (64) < query_tokens (128)",
       [](ic_stage& s) {
         s.query_tokens = 128;
         s.context_tokens = 64;
       },
       false},
      {"weight_bytes_per_element = NaN", [nan](ic_stage& s) { s.weight_bytes_per_element = nan; },
       false},
      {"weight_bytes_per_element = -2", [](ic_stage& s) { s.weight_bytes_per_element = -2; },
       false},
      {"activation_bytes_per_element = NaN",
       [nan](ic_stage& s) { s.activation_bytes_per_element = nan; }, false},
      {"activation_bytes_per_element = -2",
       [](ic_stage& s) { s.activation_bytes_per_element = -2; }, false},
      {"kv_bytes_per_element = NaN", [nan](ic_stage& s) { s.kv_bytes_per_element = nan; }, true},
      {"kv_bytes_per_element = -1", [](ic_stage& s) { s.kv_bytes_per_element = -1; }, true},
  };
}

std::vector<ShapeMutation> InvalidShapeMutations() {
  return {
      {"tensor_parallel = 3 (does not divide num_heads = 16)",
       [](ic_attention_shape&, int64_t& tp) { tp = 3; }},
      {"tensor_parallel = 0", [](ic_attention_shape&, int64_t& tp) { tp = 0; }},
      {"tensor_parallel = -2", [](ic_attention_shape&, int64_t& tp) { tp = -2; }},
      {"num_heads = 0", [](ic_attention_shape& s, int64_t&) { s.num_heads = 0; }},
      {"head_dim = 0", [](ic_attention_shape& s, int64_t&) { s.head_dim = 0; }},
  };
}

// ---- lifecycle ----

namespace {

std::vector<std::string> RunAll(const std::vector<LabeledCall>& calls, void* instance) {
  std::vector<std::string> results;
  for (const LabeledCall& c : calls) {
    Progress(c.label);
    results.push_back(c.call(instance));
  }
  return results;
}

void CompareTo(const std::vector<std::string>& reference, const std::vector<LabeledCall>& calls,
               void* instance, const std::string& which, Problems& problems) {
  for (size_t i = 0; i < calls.size(); ++i) {
    Progress(Cat(which, ": ", calls[i].label));
    if (calls[i].call(instance) != reference[i]) {
      problems.Add(Cat(which, ": ", calls[i].label, " differs from a lone instance's result"));
    }
  }
}

}  // namespace

CheckResult LifecycleCheck(const std::string& path, const WorkloadBuilder& workload) {
  PluginHandle plugin = PluginHandle::Open(path);
  Host host;
  const std::vector<LabeledCall> calls = workload(plugin, host);
  constexpr int kCycles = 100;
  for (int i = 0; i < kCycles; ++i) {
    Progress(Cat("initialize/destroy cycle ", i + 1, " of ", kCycles));
    Instance instance(plugin, host);
  }
  std::vector<std::string> reference;
  {
    Instance lone(plugin, host);
    reference = RunAll(calls, lone.get());
  }
  Problems problems;
  constexpr int kAlive = 5;
  std::vector<std::unique_ptr<Instance>> alive;
  for (int i = 0; i < kAlive; ++i) {
    Progress(Cat("initialize instance ", i + 1, " of ", kAlive, " alive at once"));
    alive.push_back(std::make_unique<Instance>(plugin, host));
  }
  for (int i = 0; i < kAlive; ++i) {
    CompareTo(reference, calls, alive[i]->get(), Cat("instance ", i, " of ", kAlive, " alive"),
              problems);
  }
  const int order[kAlive] = {3, 0, 4, 1, 2};
  for (int k = 0; k < kAlive; ++k) {
    Progress(Cat("destroy instance ", order[k], " (out of creation order)"));
    alive[order[k]].reset();
    for (int i = 0; i < kAlive; ++i) {
      if (alive[i] == nullptr || calls.empty()) continue;
      Progress(Cat("instance ", i, " after destroying instance ", order[k]));
      if (calls[0].call(alive[i]->get()) != reference[0]) {
        problems.Add(Cat("instance ", i, " changed its result for ", calls[0].label,
                         " after instance ", order[k], " was destroyed"));
      }
    }
  }
  {
    Instance late(plugin, host);
    CompareTo(reference, calls, late.get(), "an instance created after the others died", problems);
  }
  problems.FailIfAny();
  return {Status::kPass,
          Cat(kCycles, " initialize/destroy cycles; ", kAlive,
              " instances alive at once agree with a lone one on ", calls.size(),
              " calls; destroyed in order 3,0,4,1,2 with the rest still working"),
          {}};
}

CheckResult ThreadSafetyCheck(const std::string& path, const WorkloadBuilder& workload) {
  PluginHandle plugin = PluginHandle::Open(path);
  if (!plugin.thread_safe()) {
    Skip(
        "the plugin does not set IC_PLUGIN_FLAG_THREAD_SAFE, so hosts never call it "
        "concurrently");
  }
  Host host;
  const std::vector<LabeledCall> calls = workload(plugin, host);
  Instance instance(plugin, host);
  const std::vector<std::string> serial = RunAll(calls, instance.get());
  if (calls.empty()) Skip("no calls to make for this kind");

  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  std::mutex mutex;
  Problems problems;
  std::latch start(kThreads);
  Progress(Cat(kThreads, " threads calling one instance concurrently"));
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int round = 0; round < kRounds; ++round) {
          for (size_t j = 0; j < calls.size(); ++j) {
            const size_t index = (j + static_cast<size_t>(t * 3 + round)) % calls.size();
            if (calls[index].call(instance.get()) != serial[index]) {
              std::lock_guard<std::mutex> lock(mutex);
              if (problems.size() < 20) {
                problems.Add(Cat("thread ", t, ", round ", round, ": ", calls[index].label,
                                 " differs from the serial result"));
              }
            }
          }
        }
      });
    }
  }
  problems.FailIfAny("declares IC_PLUGIN_FLAG_THREAD_SAFE but concurrent calls disagree: ");
  return {Status::kPass,
          Cat(kThreads, " threads x ", kRounds, " rounds x ", calls.size(),
              " calls on one instance matched the serial results"),
          {}};
}

}  // namespace infercost::conformance
