// Checks of hardware plugins (ic_hardware_table).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "checks.h"
#include "fixtures.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::conformance {
namespace {

constexpr ic_collective_op kOps[] = {IC_COLLECTIVE_ALL_REDUCE, IC_COLLECTIVE_ALL_GATHER,
                                     IC_COLLECTIVE_REDUCE_SCATTER, IC_COLLECTIVE_ALL_TO_ALL,
                                     IC_COLLECTIVE_SEND_RECV};

struct TimeResult {
  ErrorInfo error;
  ic_phase_time time{};
};

struct CollectiveResult {
  ErrorInfo error;
  double seconds = 0;
};

class Hardware {
 public:
  Hardware(const PluginHandle& plugin, Host& host, void* instance)
      : table_(plugin.hardware()), host_(&host), instance_(instance) {}

  uint64_t DeviceCount() const { return table_->device_count(instance_); }

  ErrorInfo Describe(uint64_t index, ic_device* out) const {
    return host_->Consume(table_->describe_device(instance_, index, out));
  }

  TimeResult PhaseTime(const ic_device* device, const ic_execution* execution,
                       const ic_phase_cost* cost) const {
    ProgressCall("phase_time");
    TimeResult result;
    result.time.struct_size = sizeof(ic_phase_time);
    result.error =
        host_->Consume(table_->phase_time(instance_, device, execution, cost, &result.time));
    return result;
  }

  // ABI 1.3 phase_times, when the table holds it (false: it does not).
  bool HasPhaseTimes() const {
    return IC_HAS_FIELD(table_, ic_hardware_table, phase_times) && table_->phase_times != nullptr;
  }
  ErrorInfo PhaseTimes(const ic_device* device, const ic_execution* execution,
                       const std::vector<ic_phase_cost>& costs,
                       std::vector<ic_phase_time>& out) const {
    ProgressCall(Cat("phase_times(", costs.size(), " records)"));
    out.assign(costs.size(), ic_phase_time{});
    for (ic_phase_time& time : out) time.struct_size = sizeof(ic_phase_time);
    return host_->Consume(table_->phase_times(instance_, device, execution, costs.data(),
                                              costs.size(), sizeof(ic_phase_cost), out.data(),
                                              sizeof(ic_phase_time)));
  }
  // ABI 1.5 phase_time_models, when the table holds it (false: it does not).
  bool HasPhaseTimeModels() const {
    return IC_HAS_FIELD(table_, ic_hardware_table, phase_time_models) &&
           table_->phase_time_models != nullptr;
  }
  ErrorInfo PhaseTimeModels(const ic_device* device, const ic_execution* execution,
                            const std::vector<ic_phase_cost>& costs,
                            std::vector<ic_time_model>& out) const {
    ProgressCall(Cat("phase_time_models(", costs.size(), " records)"));
    out.assign(costs.size(), ic_time_model{});
    for (ic_time_model& model : out) model.struct_size = sizeof(ic_time_model);
    return host_->Consume(table_->phase_time_models(instance_, device, execution, costs.data(),
                                                    costs.size(), sizeof(ic_phase_cost), out.data(),
                                                    sizeof(ic_time_model)));
  }
  CollectiveResult Collective(const ic_device* device, const ic_execution* execution,
                              const ic_collective* collective) const {
    ProgressCall(collective
                     ? Cat("collective_time(", CollectiveName(collective->op), ", ",
                           Num(collective->bytes), " bytes, ", collective->group_size, " GPUs)")
                     : std::string("collective_time(NULL collective)"));
    CollectiveResult result;
    result.error = host_->Consume(
        table_->collective_time(instance_, device, execution, collective, &result.seconds));
    return result;
  }

 private:
  const ic_hardware_table* table_;
  Host* host_;
  void* instance_;
};

std::string Fingerprint(const TimeResult& r) {
  return r.error.is_error ? Fingerprint(r.error) : "ok " + BytesOf(r.time);
}

std::string Fingerprint(const CollectiveResult& r) {
  return r.error.is_error ? Fingerprint(r.error) : "ok " + BytesOf(r.seconds);
}

// The device to time on: the plugin's own first device if it describes any, else an
// H100-class reference device.
ic_device ChooseDevice(const Hardware& hw, std::string* note) {
  Progress("device_count");
  if (hw.DeviceCount() > 0) {
    ic_device device{};
    device.struct_size = sizeof device;
    Progress("describe_device(0)");
    ErrorInfo error = hw.Describe(0, &device);
    if (error.is_error) {
      Fail(Cat("device_count() > 0 but describe_device(0) failed: ", error.ToString()));
    }
    device.struct_size = sizeof device;
    if (note != nullptr) *note = "the plugin's device 0";
    return device;
  }
  if (note != nullptr) *note = "an H100-class reference device";
  return ReferenceDevice();
}

// `lenient` (for the error checks, which need no working call): do not require phase_time to
// accept the reference phase.
struct Fixture {
  explicit Fixture(const std::string& path, bool lenient = false)
      : plugin(PluginHandle::Open(path)),
        instance(plugin, host),
        hw(plugin, host, instance.get()),
        device(ChooseDevice(hw, &device_note)),
        execution(ReferenceExecution()) {
    if (lenient) return;
    const ic_phase_cost cost = ReferencePhaseCost();
    Progress("phase_time on the reference phase");
    const TimeResult r = hw.PhaseTime(&device, &execution, &cost);
    if (r.error.is_error) {
      Fail(
          Cat("phase_time rejects the reference phase on ", device_note, ": ", r.error.ToString()));
    }
  }
  PluginHandle plugin;
  Host host;
  Instance instance;
  Hardware hw;
  std::string device_note;
  ic_device device;
  ic_execution execution;
};

void CheckTime(const ic_phase_time& time, const std::string& where, Problems& problems) {
  const std::pair<const char*, double> fields[] = {{"compute_s", time.compute_s},
                                                   {"memory_s", time.memory_s},
                                                   {"communication_s", time.communication_s},
                                                   {"overhead_s", time.overhead_s},
                                                   {"time_s", time.time_s}};
  for (const auto& [field, value] : fields) {
    if (!std::isfinite(value) || value < 0) {
      problems.Add(Cat(where, ": ", field, " = ", Num(value), " (must be finite and >= 0)"));
    }
  }
}

// Phase costs every timing model must handle.
std::vector<std::pair<std::string, ic_phase_cost>> CostGrid() {
  std::vector<std::pair<std::string, ic_phase_cost>> costs;
  costs.push_back({"reference matmul phase", ReferencePhaseCost()});
  ic_phase_cost empty{};
  empty.struct_size = sizeof empty;
  empty.phase = IC_PHASE_SOFTMAX;
  costs.push_back({"a phase with no work", empty});
  ic_phase_cost vector_only = empty;
  vector_only.vector_flops = 5e9;
  vector_only.activation_bytes = 1e8;
  costs.push_back({"a vector-only phase", vector_only});
  ic_phase_cost memory_only = empty;
  memory_only.phase = IC_PHASE_ATTN_V;
  memory_only.kv_read_bytes = 4e9;
  costs.push_back({"a memory-only phase", memory_only});
  ic_phase_cost huge = ReferencePhaseCost();
  huge.matrix_flops = 1e18;
  huge.weight_bytes = 1e13;
  costs.push_back({"a huge phase", huge});
  ic_phase_cost tiny = ReferencePhaseCost();
  tiny.matrix_flops = 2;
  tiny.weight_bytes = 2;
  tiny.activation_bytes = 4;
  tiny.kv_read_bytes = 0;
  tiny.kv_write_bytes = 0;
  tiny.vector_flops = 0;
  costs.push_back({"a one-multiply-add phase", tiny});
  return costs;
}

// CostGrid as two lists: the labels and the records, in order.
void SplitCostGrid(std::vector<std::string>& labels, std::vector<ic_phase_cost>& costs) {
  for (const auto& [label, cost] : CostGrid()) {
    labels.push_back(label);
    costs.push_back(cost);
  }
}

std::vector<std::pair<std::string, ic_execution>> ExecutionGrid() {
  std::vector<std::pair<std::string, ic_execution>> executions;
  executions.push_back({"bf16", ReferenceExecution()});
  ic_execution fp8 = ReferenceExecution();
  fp8.flags = IC_EXECUTION_FLAG_LOW_PRECISION_MATH;
  fp8.weight_dtype = IC_DTYPE_FP8;
  fp8.kv_dtype = IC_DTYPE_FP8;
  executions.push_back({"fp8 weights, low-precision math", fp8});
  ic_execution flat = ReferenceExecution();
  flat.matmul_half_flops = 0;
  flat.bandwidth_half_bytes = 0;
  flat.kernel_overhead_s = 0;
  executions.push_back({"size-independent efficiency, no overhead", flat});
  return executions;
}

// ---- versions ----

CheckResult InputStructs(const std::string& path) {
  Fixture f(path);
  Problems problems;
  const ic_phase_cost cost = ReferencePhaseCost();
  Progress("phase_time, older caller (v1.0 struct sizes)");
  const ic_device old_device = AsV1_0(f.device);
  const ic_execution old_execution = AsV1_0(f.execution);
  const ic_phase_cost old_cost = AsV1_0(cost);
  const TimeResult old_time = f.hw.PhaseTime(&old_device, &old_execution, &old_cost);
  Newer<ic_device> device = MakeNewer(f.device);
  Newer<ic_execution> execution = MakeNewer(f.execution);
  Newer<ic_phase_cost> newer_cost = MakeNewer(cost);
  const ic_collective collective = MakeCollective(IC_COLLECTIVE_ALL_REDUCE, 64e6, 8, false);
  Newer<ic_collective> newer_collective = MakeNewer(collective);
  const std::string before =
      BytesOf(device) + BytesOf(execution) + BytesOf(newer_cost) + BytesOf(newer_collective);
  Progress("phase_time, newer caller (bigger structs, garbage trailing fields)");
  const TimeResult new_time = f.hw.PhaseTime(&device.base, &execution.base, &newer_cost.base);
  if (new_time.error.is_error) {
    problems.Add(Cat("phase_time, newer caller: ", new_time.error.ToString()));
  }
  if (Fingerprint(old_time) != Fingerprint(new_time)) {
    problems.Add(
        "phase_time gives a different result for a newer caller's bigger structs (does "
        "it read past the v1.0 fields?)");
  }
  Progress("collective_time, older caller");
  const ic_collective old_collective_input = AsV1_0(collective);
  const CollectiveResult old_collective =
      f.hw.Collective(&old_device, &old_execution, &old_collective_input);
  Progress("collective_time, newer caller");
  const CollectiveResult new_collective =
      f.hw.Collective(&device.base, &execution.base, &newer_collective.base);
  if (old_collective.error.is_error) {
    problems.Add(Cat("collective_time (all_reduce of 64 MB over 8 GPUs), v1.0-sized inputs: ",
                     old_collective.error.ToString()));
  }
  if (new_collective.error.is_error) {
    problems.Add(Cat("collective_time, newer caller: ", new_collective.error.ToString()));
  }
  if (Fingerprint(old_collective) != Fingerprint(new_collective)) {
    problems.Add("collective_time gives a different result for a newer caller's bigger structs");
  }
  if (BytesOf(device) + BytesOf(execution) + BytesOf(newer_cost) + BytesOf(newer_collective) !=
      before) {
    problems.Add("the plugin wrote into its const input structs");
  }
  problems.FailIfAny();
  return {Status::kPass,
          Cat("on ", f.device_note,
              ": v1.0-sized inputs and a newer caller's bigger device, execution, cost and "
              "collective (garbage trailing fields) give identical results; inputs untouched"),
          {}};
}

// Calls `fill` on a buffer whose struct_size says `declared` bytes, with guard bytes after it;
// adds a problem if anything past `declared` changed. Returns the call's error.
template <typename Struct, typename Fill>
ErrorInfo GuardedOutput(uint32_t declared, const std::string& what, Fill&& fill,
                        Problems& problems) {
  alignas(Struct) unsigned char buffer[sizeof(Struct) + 64];
  std::memset(buffer, kGuardByte, sizeof buffer);
  std::memcpy(buffer, &declared, sizeof declared);
  Progress(Cat(what, " with struct_size = ", declared));
  ErrorInfo error = fill(reinterpret_cast<Struct*>(buffer));
  for (size_t i = declared; i < sizeof buffer; ++i) {
    if (buffer[i] != kGuardByte) {
      problems.Add(
          Cat(what, " given struct_size = ", declared, " wrote byte ", i, " (past struct_size)"));
      break;
    }
  }
  return error;
}

CheckResult OutputStructs(const std::string& path) {
  Fixture f(path);
  Problems problems;
  const ic_phase_cost cost = ReferencePhaseCost();
  std::string notes;
  const ic_hardware_table* t = f.plugin.hardware();
  void* instance = f.instance.get();
  for (uint32_t declared : {static_cast<uint32_t>(sizeof(ic_phase_time)),
                            static_cast<uint32_t>(offsetof(ic_phase_time, time_s))}) {
    ErrorInfo error = GuardedOutput<ic_phase_time>(
        declared, "phase_time",
        [&](ic_phase_time* out) {
          return f.host.Consume(t->phase_time(instance, &f.device, &f.execution, &cost, out));
        },
        problems);
    if (error.is_error && declared == sizeof(ic_phase_time)) {
      problems.Add(Cat("phase_time with a v1.0-sized output failed: ", error.ToString()));
    }
    if (error.is_error && declared < sizeof(ic_phase_time)) {
      notes += " (a truncated ic_phase_time is refused with an error, which is allowed)";
    }
  }
  if (f.hw.DeviceCount() > 0) {
    for (uint32_t declared : {static_cast<uint32_t>(sizeof(ic_device)),
                              static_cast<uint32_t>(offsetof(ic_device, compute_units))}) {
      ErrorInfo error = GuardedOutput<ic_device>(
          declared, "describe_device(0)",
          [&](ic_device* out) { return f.host.Consume(t->describe_device(instance, 0, out)); },
          problems);
      if (error.is_error && declared == sizeof(ic_device)) {
        problems.Add(Cat("describe_device(0) with a v1.0-sized output failed: ", error.ToString()));
      }
    }
  }
  {
    double seconds[3];
    std::memset(seconds, kGuardByte, sizeof seconds);
    const std::string before = BytesOf(seconds);
    const ic_collective collective = MakeCollective(IC_COLLECTIVE_ALL_GATHER, 1e6, 8, false);
    Progress("collective_time with guard bytes around *seconds");
    f.host.Consume(t->collective_time(instance, &f.device, &f.execution, &collective, &seconds[1]));
    const std::string after = BytesOf(seconds);
    if (after.substr(0, 8) != before.substr(0, 8) || after.substr(16) != before.substr(16)) {
      problems.Add("collective_time wrote outside the double *seconds points to");
    }
  }
  problems.FailIfAny();
  return {Status::kPass,
          Cat("phase_time", f.hw.DeviceCount() > 0 ? ", describe_device" : "",
              " and collective_time write nothing past the struct_size (or double) they are "
              "given",
              notes),
          {}};
}

// ---- errors ----

CheckResult NullArguments(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  const ic_hardware_table* t = f.plugin.hardware();
  void* instance = f.instance.get();
  const ic_phase_cost cost = ReferencePhaseCost();
  const ic_collective collective = MakeCollective(IC_COLLECTIVE_ALL_REDUCE, 1e6, 8, false);
  ic_phase_time time{};
  time.struct_size = sizeof time;
  double seconds = 0;
  Problems problems;
  auto expect = [&](const std::string& call, auto&& invoke) {
    Progress(call);
    ExpectError(call, f.host.Consume(invoke()), problems);
  };
  const ic_device* device = &f.device;
  const ic_execution* execution = &f.execution;
  expect("phase_time(device = NULL)",
         [&] { return t->phase_time(instance, nullptr, execution, &cost, &time); });
  expect("phase_time(execution = NULL)",
         [&] { return t->phase_time(instance, device, nullptr, &cost, &time); });
  expect("phase_time(cost = NULL)",
         [&] { return t->phase_time(instance, device, execution, nullptr, &time); });
  expect("phase_time(out = NULL)",
         [&] { return t->phase_time(instance, device, execution, &cost, nullptr); });
  expect("collective_time(device = NULL)",
         [&] { return t->collective_time(instance, nullptr, execution, &collective, &seconds); });
  expect("collective_time(execution = NULL)",
         [&] { return t->collective_time(instance, device, nullptr, &collective, &seconds); });
  expect("collective_time(collective = NULL)",
         [&] { return t->collective_time(instance, device, execution, nullptr, &seconds); });
  expect("collective_time(seconds = NULL)",
         [&] { return t->collective_time(instance, device, execution, &collective, nullptr); });
  expect("describe_device(0, out = NULL)",
         [&] { return t->describe_device(instance, 0, nullptr); });
  problems.FailIfAny("NULL arguments must return an error: ");
  return {Status::kPass,
          "9 calls with a NULL device, execution, cost, collective or out-pointer each returned "
          "an error",
          {}};
}

CheckResult InvalidCost(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  Problems problems;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  int calls = 0;
  const std::pair<const char*, double ic_phase_cost::*> fields[] = {
      {"matrix_flops", &ic_phase_cost::matrix_flops},
      {"vector_flops", &ic_phase_cost::vector_flops},
      {"weight_bytes", &ic_phase_cost::weight_bytes},
      {"kv_read_bytes", &ic_phase_cost::kv_read_bytes},
      {"kv_write_bytes", &ic_phase_cost::kv_write_bytes},
      {"activation_bytes", &ic_phase_cost::activation_bytes},
      {"comm_bytes", &ic_phase_cost::comm_bytes}};
  for (const auto& [field, member] : fields) {
    for (double bad : {nan, -1.0}) {
      ic_phase_cost cost = ReferencePhaseCost();
      cost.*member = bad;
      const std::string call = Cat("phase_time(cost.", field, " = ", Num(bad), ")");
      Progress(call);
      ExpectError(call, f.hw.PhaseTime(&f.device, &f.execution, &cost).error, problems);
      ++calls;
    }
  }
  problems.FailIfAny("NaN or negative costs must return an error: ");
  return {Status::kPass,
          Cat(calls,
              " phase_time calls with a NaN or negative cost field each "
              "returned an error"),
          {}};
}

CheckResult InvalidDevice(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  Problems problems;
  const ic_phase_cost cost = ReferencePhaseCost();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double bad : {0.0, -1e12, nan}) {
    ic_device device = f.device;
    device.memory_bandwidth_bytes_per_s = bad;
    const std::string call =
        Cat("phase_time(device.memory_bandwidth_bytes_per_s = ", Num(bad), ")");
    Progress(call);
    ExpectError(call, f.hw.PhaseTime(&device, &f.execution, &cost).error, problems);
  }
  for (double bad : {0.0, -1e9}) {
    ic_device device = f.device;
    device.scale_up_bandwidth_bytes_per_s = bad;
    const ic_collective collective = MakeCollective(IC_COLLECTIVE_ALL_REDUCE, 64e6, 8, false);
    const std::string call =
        Cat("collective_time(all_reduce over 8 GPUs in a node, "
            "device.scale_up_bandwidth_bytes_per_s = ",
            Num(bad), ")");
    Progress(call);
    ExpectError(call, f.hw.Collective(&device, &f.execution, &collective).error, problems);
  }
  {
    ic_device device = f.device;
    device.scale_out_bandwidth_bytes_per_s = 0;
    const ic_collective collective = MakeCollective(IC_COLLECTIVE_ALL_REDUCE, 64e6, 16, true);
    const std::string call =
        "collective_time(all_reduce over 16 GPUs across nodes, "
        "device.scale_out_bandwidth_bytes_per_s = 0)";
    Progress(call);
    ExpectError(call, f.hw.Collective(&device, &f.execution, &collective).error, problems);
  }
  {
    const uint64_t count = f.hw.DeviceCount();
    ic_device out{};
    out.struct_size = sizeof out;
    const std::string call = Cat("describe_device(", count, ") (one past device_count)");
    Progress(call);
    ExpectError(call, f.hw.Describe(count, &out), problems);
  }
  problems.FailIfAny("invalid devices must return an error: ");
  return {Status::kPass,
          "zero, negative or NaN memory bandwidth, zero or negative link bandwidth and a device "
          "index past device_count each returned an error",
          {}};
}

CheckResult InvalidCollective(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  Problems problems;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ic_collective_op op : kOps) {
    for (double bad : {nan, -1.0}) {
      const ic_collective collective = MakeCollective(op, bad, 8, false);
      const std::string call =
          Cat("collective_time(", CollectiveName(op), ", bytes = ", Num(bad), ", 8 GPUs)");
      Progress(call);
      ExpectError(call, f.hw.Collective(&f.device, &f.execution, &collective).error, problems);
    }
  }
  problems.FailIfAny("invalid collectives must return an error: ");
  return {Status::kPass, "NaN or negative collective sizes return an error for every op", {}};
}

CheckResult CollectiveGroupSize(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  Problems problems;
  for (ic_collective_op op : kOps) {
    for (int64_t bad : {int64_t{0}, int64_t{-1}}) {
      const ic_collective collective = MakeCollective(op, 1e6, bad, false);
      const std::string call =
          Cat("collective_time(", CollectiveName(op), ", group_size = ", bad, ")");
      Progress(call);
      ExpectError(call, f.hw.Collective(&f.device, &f.execution, &collective).error, problems);
    }
  }
  problems.FailIfAny("a group of no GPUs is not a collective and must return an error: ");
  return {Status::kPass, "group_size 0 and -1 return an error for every op", {}};
}

// ---- invariants ----

CheckResult TimesValid(const std::string& path) {
  Fixture f(path);
  Problems problems;
  int calls = 0;
  for (const auto& [execution_label, execution] : ExecutionGrid()) {
    for (const auto& [cost_label, cost] : CostGrid()) {
      const std::string where = Cat(cost_label, ", ", execution_label);
      Progress(Cat("phase_time, ", where));
      const TimeResult r = f.hw.PhaseTime(&f.device, &execution, &cost);
      ++calls;
      if (r.error.is_error) {
        problems.Add(Cat(where, ": phase_time failed: ", r.error.ToString()));
        continue;
      }
      CheckTime(r.time, where, problems);
    }
  }
  for (ic_collective_op op : kOps) {
    for (int64_t group : {1, 2, 8, 16}) {
      for (double bytes : {0.0, 4096.0, 1e9}) {
        const bool spans = group > 8;
        const ic_collective collective = MakeCollective(op, bytes, group, spans);
        const std::string where =
            Cat(CollectiveName(op), " of ", Num(bytes), " bytes over ", group, " GPUs");
        Progress(Cat("collective_time, ", where));
        const CollectiveResult r = f.hw.Collective(&f.device, &f.execution, &collective);
        ++calls;
        if (r.error.is_error) {
          problems.Add(Cat(where, ": collective_time failed: ", r.error.ToString()));
        } else if (!std::isfinite(r.seconds) || r.seconds < 0) {
          problems.Add(Cat(where, ": ", Num(r.seconds), " s (must be finite and >= 0)"));
        }
      }
    }
  }
  problems.FailIfAny();
  return {Status::kPass,
          Cat(calls, " phase and collective times on ", f.device_note, ": all finite and >= 0"),
          {}};
}

// ABI 1.3: phase_times over the cost grid gives, bit for bit, phase_time of each record.
CheckResult PhaseTimesMatch(const std::string& path) {
  Fixture f(path);
  if (!f.hw.HasPhaseTimes()) Skip("the table has no phase_times (a plugin built before ABI 1.3)");
  Problems problems;
  int compared = 0;
  for (const auto& [execution_label, execution] : ExecutionGrid()) {
    std::vector<std::string> labels;
    std::vector<ic_phase_cost> costs;
    SplitCostGrid(labels, costs);
    std::vector<ic_phase_time> times;
    const ErrorInfo error = f.hw.PhaseTimes(&f.device, &execution, costs, times);
    if (error.is_error) {
      problems.Add(Cat(execution_label, ": phase_times failed: ", error.ToString()));
      continue;
    }
    for (size_t i = 0; i < costs.size(); ++i) {
      const TimeResult one = f.hw.PhaseTime(&f.device, &execution, &costs[i]);
      const std::string where = Cat(labels[i], ", ", execution_label);
      ++compared;
      if (one.error.is_error) {
        problems.Add(
            Cat(where, ": phase_time failed where phase_times did not: ", one.error.ToString()));
        continue;
      }
      const ic_phase_time& a = times[i];
      const ic_phase_time& b = one.time;
      if (a.time_s != b.time_s || a.compute_s != b.compute_s || a.memory_s != b.memory_s ||
          a.communication_s != b.communication_s || a.overhead_s != b.overhead_s ||
          a.bound != b.bound) {
        problems.Add(Cat(where, ": phase_times gives ", Num(a.time_s), " s, phase_time ",
                         Num(b.time_s), " s (they must agree bit for bit)"));
      }
    }
  }
  problems.FailIfAny();
  return {Status::kPass,
          Cat(compared, " records timed both ways on ", f.device_note, ": identical"),
          {}};
}

// ABI 1.5: a time model, where the plugin gives one, is what phase_time gives the record and
// every record of its phase with the same fields zero and positive (scaled fields, other GEMM
// shapes), to 1e-9.
CheckResult TimeModelMatches(const std::string& path) {
  Fixture f(path);
  if (!f.hw.HasPhaseTimeModels()) {
    Skip("the table has no phase_time_models (a plugin built before ABI 1.5)");
  }
  constexpr double ic_phase_cost::*kTimed[] = {
      &ic_phase_cost::matrix_flops,   &ic_phase_cost::vector_flops,
      &ic_phase_cost::weight_bytes,   &ic_phase_cost::kv_read_bytes,
      &ic_phase_cost::kv_write_bytes, &ic_phase_cost::activation_bytes};
  Problems problems;
  int modelled = 0;
  int compared = 0;
  for (const auto& [execution_label, execution] : ExecutionGrid()) {
    std::vector<std::string> labels;
    std::vector<ic_phase_cost> costs;
    SplitCostGrid(labels, costs);
    std::vector<ic_time_model> models;
    const ErrorInfo error = f.hw.PhaseTimeModels(&f.device, &execution, costs, models);
    if (error.is_error) {
      problems.Add(Cat(execution_label, ": phase_time_models failed: ", error.ToString()));
      continue;
    }
    for (size_t i = 0; i < costs.size(); ++i) {
      const ic_phase_cost& cost = costs[i];
      const ic_time_model& model = models[i];
      const std::string where = Cat(labels[i], ", ", execution_label);
      if (model.piece_count == 0) continue;
      if (model.piece_count > IC_TIME_MODEL_MAX_PIECES) {
        problems.Add(Cat(where, ": ", model.piece_count, " pieces (at most ",
                         IC_TIME_MODEL_MAX_PIECES, ")"));
        continue;
      }
      ++modelled;
      // The record itself, each positive field scaled alone, all scaled, and another shape.
      std::vector<ic_phase_cost> variants = {cost};
      for (const auto field : kTimed) {
        for (const double scale : {0.25, 7.0, 1e3}) {
          if (cost.*field == 0) continue;
          ic_phase_cost scaled = cost;
          scaled.*field *= scale;
          variants.push_back(scaled);
        }
      }
      ic_phase_cost all = cost;
      for (const auto field : kTimed) all.*field *= 3;
      all.gemm_n = all.gemm_n * 2 + 1;
      all.gemm_count = all.gemm_count * 4 + 1;
      variants.push_back(all);
      for (const ic_phase_cost& variant : variants) {
        const TimeResult time = f.hw.PhaseTime(&f.device, &execution, &variant);
        if (time.error.is_error) continue;  // errors are other checks' business
        ++compared;
        const double predicted = sdk::ModelTime(model, variant);
        const double actual = time.time.time_s;
        if (!(std::fabs(predicted - actual) <= 1e-9 * std::fabs(actual) + 1e-300)) {
          problems.Add(Cat(where, " (fields scaled): the model gives ", Num(predicted),
                           " s, phase_time ", Num(actual), " s"));
        }
      }
    }
  }
  problems.FailIfAny();
  if (modelled == 0) Skip("the plugin gives no time model for any record of the grid");
  return {Status::kPass,
          Cat(modelled, " models, ", compared, " records: the model gives phase_time's time"),
          {}};
}

// Adds a problem when phase time decreases along `values` of one cost field.
void CheckTimeSeries(const Fixture& f, const char* field, double ic_phase_cost::*member,
                     Problems& problems) {
  double previous = -1;
  double previous_value = 0;
  for (double value : {0.0, 1.0, 1e3, 1e6, 1e9, 1e12, 1e15}) {
    ic_phase_cost cost = ReferencePhaseCost();
    cost.*member = value;
    Progress(Cat("phase_time with ", field, " = ", Num(value)));
    const TimeResult r = f.hw.PhaseTime(&f.device, &f.execution, &cost);
    if (r.error.is_error) {
      problems.Add(Cat(field, " = ", Num(value), ": phase_time failed: ", r.error.ToString()));
      return;
    }
    const double t = r.time.time_s;
    if (!std::isfinite(t) || t < 0) {
      problems.Add(Cat(field, " = ", Num(value), ": time_s = ", Num(t)));
      return;
    }
    if (previous >= 0 && t < previous * (1 - 1e-12)) {
      problems.Add(Cat("time_s decreases from ", Num(previous), " s at ", field, " = ",
                       Num(previous_value), " to ", Num(t), " s at ", Num(value)));
    }
    previous = t;
    previous_value = value;
  }
}

CheckResult MonotoneFlops(const std::string& path) {
  Fixture f(path);
  Problems problems;
  CheckTimeSeries(f, "matrix_flops", &ic_phase_cost::matrix_flops, problems);
  CheckTimeSeries(f, "vector_flops", &ic_phase_cost::vector_flops, problems);
  problems.FailIfAny("phase time must not decrease as FLOPs grow: ");
  return {Status::kPass, "time_s never decreases as matrix or vector FLOPs grow (0..1e15)", {}};
}

CheckResult MonotoneBytes(const std::string& path) {
  Fixture f(path);
  Problems problems;
  CheckTimeSeries(f, "weight_bytes", &ic_phase_cost::weight_bytes, problems);
  CheckTimeSeries(f, "kv_read_bytes", &ic_phase_cost::kv_read_bytes, problems);
  CheckTimeSeries(f, "kv_write_bytes", &ic_phase_cost::kv_write_bytes, problems);
  CheckTimeSeries(f, "activation_bytes", &ic_phase_cost::activation_bytes, problems);
  problems.FailIfAny("phase time must not decrease as bytes grow: ");
  return {Status::kPass,
          "time_s never decreases as weight, KV read/write or activation bytes grow (0..1e15)",
          {}};
}

CheckResult CollectiveMonotone(const std::string& path) {
  Fixture f(path);
  Problems problems;
  for (ic_collective_op op : kOps) {
    for (int64_t group : {8, 16}) {
      const bool spans = group > 8;
      double previous = -1;
      double previous_bytes = 0;
      for (double bytes : {0.0, 1.0, 1e3, 1e6, 1e9, 1e12}) {
        const ic_collective collective = MakeCollective(op, bytes, group, spans);
        const std::string where = Cat(CollectiveName(op), " over ", group, " GPUs");
        Progress(Cat(where, ", ", Num(bytes), " bytes"));
        const CollectiveResult r = f.hw.Collective(&f.device, &f.execution, &collective);
        if (r.error.is_error) {
          problems.Add(Cat(where, ", ", Num(bytes), " bytes: failed: ", r.error.ToString()));
          break;
        }
        if (!std::isfinite(r.seconds) || r.seconds < 0) {
          problems.Add(Cat(where, ", ", Num(bytes), " bytes: ", Num(r.seconds),
                           " s (must be finite and >= 0)"));
          break;
        }
        if (previous >= 0 && r.seconds < previous * (1 - 1e-12)) {
          problems.Add(Cat(where, ": time decreases from ", Num(previous), " s at ",
                           Num(previous_bytes), " bytes to ", Num(r.seconds), " s at ", Num(bytes),
                           " bytes"));
        }
        previous = r.seconds;
        previous_bytes = bytes;
      }
    }
  }
  problems.FailIfAny();
  return {Status::kPass,
          "every collective's time is finite, >= 0 and never decreases as its size grows "
          "(0..1e12 bytes, inside a node and across nodes)",
          {}};
}

CheckResult Deterministic(const std::string& path) {
  Fixture f(path);
  Instance second(f.plugin, f.host);
  const Hardware other(f.plugin, f.host, second.get());
  Problems problems;
  int calls = 0;
  for (const auto& [execution_label, execution] : ExecutionGrid()) {
    for (const auto& [cost_label, cost] : CostGrid()) {
      const std::string where = Cat(cost_label, ", ", execution_label);
      Progress(Cat("three phase_time calls, ", where));
      const std::string first = Fingerprint(f.hw.PhaseTime(&f.device, &execution, &cost));
      const std::string again = Fingerprint(f.hw.PhaseTime(&f.device, &execution, &cost));
      const std::string elsewhere = Fingerprint(other.PhaseTime(&f.device, &execution, &cost));
      ++calls;
      if (first != again) problems.Add(Cat(where, ": two calls on one instance differ"));
      if (first != elsewhere) problems.Add(Cat(where, ": two instances differ"));
    }
  }
  for (ic_collective_op op : kOps) {
    const ic_collective collective = MakeCollective(op, 1e8, 8, false);
    Progress(Cat("three collective_time calls, ", CollectiveName(op)));
    const std::string first = Fingerprint(f.hw.Collective(&f.device, &f.execution, &collective));
    const std::string again = Fingerprint(f.hw.Collective(&f.device, &f.execution, &collective));
    const std::string elsewhere =
        Fingerprint(other.Collective(&f.device, &f.execution, &collective));
    ++calls;
    if (first != again || first != elsewhere) {
      problems.Add(Cat(CollectiveName(op), ": repeated calls differ"));
    }
  }
  problems.FailIfAny("not deterministic: ");
  return {Status::kPass,
          Cat(calls,
              " phase and collective timings, each run twice on one instance and once on "
              "another: identical, bit for bit"),
          {}};
}

std::vector<LabeledCall> HardwareWorkload(const PluginHandle& plugin, Host& host) {
  Progress("preparing the calls (probing the reference inputs)");
  ic_device device = ReferenceDevice();
  {
    Instance probe(plugin, host);
    const Hardware hw(plugin, host, probe.get());
    if (hw.DeviceCount() > 0) {
      ic_device described{};
      described.struct_size = sizeof described;
      if (!hw.Describe(0, &described).is_error) {
        device = described;
        device.struct_size = sizeof device;
      }
    }
  }
  std::vector<LabeledCall> calls;
  Host* h = &host;
  const PluginHandle* p = &plugin;
  for (const auto& [execution_label, grid_execution] : ExecutionGrid()) {
    for (const auto& [cost_label, grid_cost] : CostGrid()) {
      const ic_execution execution = grid_execution;
      const ic_phase_cost cost = grid_cost;
      calls.push_back({Cat("phase_time, ", cost_label, ", ", execution_label), [=](void* instance) {
                         return Fingerprint(
                             Hardware(*p, *h, instance).PhaseTime(&device, &execution, &cost));
                       }});
    }
  }
  const ic_execution execution = ReferenceExecution();
  for (ic_collective_op op : kOps) {
    const ic_collective collective = MakeCollective(op, 1e8, 8, false);
    calls.push_back({Cat("collective_time, ", CollectiveName(op)), [=](void* instance) {
                       return Fingerprint(
                           Hardware(*p, *h, instance).Collective(&device, &execution, &collective));
                     }});
  }
  return calls;
}

}  // namespace

std::vector<CheckSpec> HardwareChecks() {
  return {
      {"versions.input_structs",
       "v1.0-sized inputs and a newer caller's bigger structs give identical results",
       InputStructs},
      {"versions.output_structs", "outputs never written past the caller's struct_size",
       OutputStructs},
      {"lifecycle", "100 initialize/destroy cycles, several live instances, out-of-order destroy",
       [](const std::string& path) { return LifecycleCheck(path, HardwareWorkload); }},
      {"errors.null_arguments", "NULL device/execution/cost/collective/out-pointers return errors",
       NullArguments},
      {"errors.invalid_cost", "NaN or negative costs return errors", InvalidCost},
      {"errors.invalid_device",
       "non-positive or NaN bandwidths, device index out of range return errors", InvalidDevice},
      {"errors.invalid_collective", "NaN or negative collective sizes return errors",
       InvalidCollective},
      {"errors.collective_group_size", "group_size 0 or negative returns an error",
       CollectiveGroupSize},
      {"invariants.times_valid", "phase and collective times finite and >= 0", TimesValid},
      {"invariants.monotone_flops", "phase time non-decreasing in FLOPs", MonotoneFlops},
      {"invariants.monotone_bytes", "phase time non-decreasing in bytes", MonotoneBytes},
      {"invariants.collective_monotone", "collective time non-decreasing in size, finite",
       CollectiveMonotone},
      {"invariants.deterministic", "same inputs, same results (bit for bit)", Deterministic},
      {"invariants.phase_times_match",
       "ABI 1.3 phase_times equals phase_time of each record (bit for bit)", PhaseTimesMatch},
      {"invariants.time_model",
       "ABI 1.5 phase_time_models give phase_time's time for records like the one modelled",
       TimeModelMatches},
      {"thread_safety", "concurrent calls on one instance match serial ones (if declared)",
       [](const std::string& path) { return ThreadSafetyCheck(path, HardwareWorkload); }},
  };
}

}  // namespace infercost::conformance
