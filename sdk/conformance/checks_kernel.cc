// Checks of attention-kernel plugins (ic_attention_kernel_table).
#include <cmath>

#include "checks.h"
#include "decode_breaks_check.h"
#include "fixtures.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::conformance {
namespace {

struct RewriteResult {
  ErrorInfo error;
  std::vector<ic_phase_cost> phases;
};

class Kernel {
 public:
  Kernel(const PluginHandle& plugin, Host& host, void* instance)
      : table_(plugin.kernel()), host_(&host), instance_(instance) {}

  RewriteResult Rewrite(const ic_attention_shape* shape, const ic_stage* stage,
                        const ic_kernel_device* device, std::vector<ic_phase_cost> phases) const {
    ProgressCall(Cat("rewrite_traffic(", stage ? Describe(*stage) : "NULL stage", ")"));
    RewriteResult result;
    // The 1.0 entry point takes records of the 1.0 size (no element size in that call).
    std::vector<char> packed = sdk::PackPhasesV1_0(phases);
    result.error = host_->Consume(
        table_->rewrite_traffic(instance_, shape, stage, device,
                                reinterpret_cast<ic_phase_cost*>(packed.data()), phases.size()));
    sdk::UnpackPhasesV1_0(packed, phases);
    result.phases = std::move(phases);
    return result;
  }

  // ABI 1.4 (the caller checked that the table holds it): the staircases it declares (the
  // count it returned; `error` set when the call failed).
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       const ic_kernel_device& device, int64_t first, int64_t last,
                       std::vector<ic_context_stairs>& stairs, ErrorInfo& error) const {
    ProgressCall(Cat("decode_breaks(", Describe(stage), ", contexts ", first, "..", last, ")"));
    stairs.assign(kOfferedStaircases, ic_context_stairs{});
    int64_t count = IC_BREAKS_UNKNOWN;
    error = host_->Consume(table_->decode_breaks(instance_, &shape, &stage, &device, first, last,
                                                 stairs.data(), stairs.size(), &count));
    stairs.resize(count > 0 ? std::min<size_t>(static_cast<size_t>(count), kOfferedStaircases) : 0);
    return count;
  }

 private:
  const ic_attention_kernel_table* table_;
  Host* host_;
  void* instance_;
};

std::string Fingerprint(const RewriteResult& r) {
  if (r.error.is_error) return Fingerprint(r.error);
  std::string bytes = "ok ";
  for (const ic_phase_cost& p : r.phases) bytes += BytesOf(p);
  return bytes;
}

ic_attention_shape ProbeShape(const Kernel& k) {
  const ic_stage stage = Prefill(2, 128);
  const ic_kernel_device device = ReferenceKernelDevice();
  std::string first_error;
  for (const ic_attention_shape& shape : CandidateShapes()) {
    Progress(Cat("probing the reference shape (sliding_window = ", shape.sliding_window, ")"));
    const RewriteResult r =
        k.Rewrite(&shape, &stage, &device, SyntheticAttentionPhases(shape, stage, false));
    if (!r.error.is_error) return shape;
    if (first_error.empty()) first_error = r.error.ToString();
  }
  Fail(Cat("the plugin rejects every reference shape at ", Describe(stage),
           " on a device with 30 MB of on-chip memory: ", first_error));
}

// The probed shape, or (when `lenient`, for the error checks) the first candidate.
ic_attention_shape ReferenceShapeFor(const Kernel& k, bool lenient) {
  if (!lenient) return ProbeShape(k);
  try {
    return ProbeShape(k);
  } catch (const CheckFailed&) {
    return CandidateShapes().front();
  }
}

struct Fixture {
  explicit Fixture(const std::string& path, bool lenient = false)
      : plugin(PluginHandle::Open(path)),
        instance(plugin, host),
        kernel(plugin, host, instance.get()),
        shape(ReferenceShapeFor(kernel, lenient)) {}
  PluginHandle plugin;
  Host host;
  Instance instance;
  Kernel kernel;
  ic_attention_shape shape;
};

struct GridCase {
  ic_stage stage;
  bool mla_style;
  std::string label;
};

std::vector<GridCase> Grid() {
  std::vector<GridCase> cases;
  for (int64_t tp : {1, 2}) {
    for (bool mla : {false, true}) {
      const char* style = mla ? "MLA-style phases" : "standard phases";
      for (const ic_stage& stage :
           {Prefill(1, 1, tp), Prefill(2, 128, tp), Prefill(1, 4096, tp), Decode(1, 1, tp),
            Decode(16, 2048, tp), MakeStage(IC_STAGE_PREFILL, 2, 256, 4096, tp)}) {
        cases.push_back({stage, mla, Cat(Describe(stage), ", ", style)});
      }
    }
  }
  return cases;
}

// ---- versions ----

CheckResult InputStructs(const std::string& path) {
  Fixture f(path);
  Problems problems;
  const ic_kernel_device device = ReferenceKernelDevice();
  for (const ic_stage& stage : {Prefill(2, 128), Decode(2, 1024)}) {
    const std::string where = Describe(stage);
    const std::vector<ic_phase_cost> phases = SyntheticAttentionPhases(f.shape, stage, false);
    Progress(Cat("older caller (v1.0 struct sizes), ", where));
    const ic_attention_shape old_shape = AsV1_0(f.shape);
    const ic_stage old_stage = AsV1_0(stage);
    const ic_kernel_device old_device = AsV1_0(device);
    const RewriteResult old_result = f.kernel.Rewrite(&old_shape, &old_stage, &old_device, phases);
    Newer<ic_attention_shape> shape = MakeNewer(f.shape);
    Newer<ic_stage> newer_stage = MakeNewer(stage);
    Newer<ic_kernel_device> newer_device = MakeNewer(device);
    const std::string before = BytesOf(shape) + BytesOf(newer_stage) + BytesOf(newer_device);
    Progress(Cat("newer caller (bigger structs, garbage trailing fields), ", where));
    const RewriteResult new_result =
        f.kernel.Rewrite(&shape.base, &newer_stage.base, &newer_device.base, phases);
    if (old_result.error.is_error) {
      problems.Add(Cat("v1.0-sized inputs, ", where, ": ", old_result.error.ToString()));
    }
    if (new_result.error.is_error) {
      problems.Add(Cat("newer caller, ", where, ": ", new_result.error.ToString()));
    }
    if (Fingerprint(old_result) != Fingerprint(new_result)) {
      problems.Add(Cat(where,
                       ": rewrite_traffic gives different results for a newer caller's "
                       "bigger structs (does it read past the v1.0 fields?)"));
    }
    if (BytesOf(shape) + BytesOf(newer_stage) + BytesOf(newer_device) != before) {
      problems.Add(Cat(where, ": the plugin wrote into its const input structs"));
    }
  }
  problems.FailIfAny();
  return {Status::kPass,
          "v1.0-sized inputs and a newer caller's bigger shape, stage and device (garbage "
          "trailing fields) give identical results; inputs left untouched",
          {}};
}

CheckResult OutputStructs(const std::string& path) {
  Fixture f(path);
  const ic_stage stage = Prefill(2, 128);
  const ic_kernel_device device = ReferenceKernelDevice();
  std::vector<ic_phase_cost> phases = SyntheticAttentionPhases(f.shape, stage, false);
  const size_t count = phases.size();
  ic_phase_cost guard;
  std::memset(static_cast<void*>(&guard), kGuardByte, sizeof guard);
  phases.push_back(guard);
  Progress("rewrite_traffic with a guard record after the array");
  ErrorInfo error = f.host.Consume(f.plugin.kernel()->rewrite_traffic(
      f.instance.get(), &f.shape, &stage, &device, phases.data(), count));
  if (error.is_error) Fail(Cat("rewrite_traffic failed: ", error.ToString()));
  if (BytesOf(phases[count]) != BytesOf(guard)) {
    Fail(Cat("rewrite_traffic wrote past the ", count, " records it was given"));
  }
  Progress("rewrite_traffic with phase_count = 0");
  error = f.host.Consume(f.plugin.kernel()->rewrite_traffic(f.instance.get(), &f.shape, &stage,
                                                            &device, &phases[count], 0));
  if (BytesOf(phases[count]) != BytesOf(guard)) {
    Fail("rewrite_traffic with phase_count = 0 wrote into the array");
  }
  return {Status::kPass,
          "rewrite_traffic writes only inside the phase_count records it is given (guard record "
          "intact, nothing written for phase_count = 0)",
          {}};
}

// ---- errors ----

CheckResult NullArguments(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  const ic_attention_kernel_table* t = f.plugin.kernel();
  void* instance = f.instance.get();
  const ic_stage stage = Prefill(2, 128);
  const ic_kernel_device device = ReferenceKernelDevice();
  std::vector<ic_phase_cost> phases = SyntheticAttentionPhases(f.shape, stage, false);
  Problems problems;
  auto expect = [&](const std::string& call, auto&& invoke) {
    Progress(call);
    ExpectError(call, f.host.Consume(invoke()), problems);
  };
  expect("rewrite_traffic(shape = NULL)", [&] {
    return t->rewrite_traffic(instance, nullptr, &stage, &device, phases.data(), phases.size());
  });
  expect("rewrite_traffic(stage = NULL)", [&] {
    return t->rewrite_traffic(instance, &f.shape, nullptr, &device, phases.data(), phases.size());
  });
  expect("rewrite_traffic(device = NULL)", [&] {
    return t->rewrite_traffic(instance, &f.shape, &stage, nullptr, phases.data(), phases.size());
  });
  expect("rewrite_traffic(phases = NULL, phase_count = 7)",
         [&] { return t->rewrite_traffic(instance, &f.shape, &stage, &device, nullptr, 7); });
  problems.FailIfAny("NULL arguments must return an error: ");
  return {Status::kPass,
          "4 calls with a NULL shape, stage, device or phases each returned an error",
          {}};
}

CheckResult InvalidStage(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  const ic_kernel_device device = ReferenceKernelDevice();
  Problems problems;
  int calls = 0;
  for (const StageMutation& m : InvalidStageMutations()) {
    ic_stage stage = Prefill(2, 128);
    m.apply(stage);
    Progress(Cat("rewrite_traffic with ", m.label));
    // The phases come from the valid stage: the kernel must look at the stage it is given.
    const ic_stage valid = Prefill(2, 128);
    ExpectError(
        Cat("rewrite_traffic (", m.label, ")"),
        f.kernel.Rewrite(&f.shape, &stage, &device, SyntheticAttentionPhases(f.shape, valid, false))
            .error,
        problems);
    ++calls;
  }
  problems.FailIfAny("invalid stages must return an error: ");
  return {Status::kPass,
          Cat(calls,
              " calls with zero/negative batch or tokens, context < query tokens, NaN or "
              "negative bytes per element each returned an error"),
          {}};
}

CheckResult InvalidShape(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  const ic_kernel_device device = ReferenceKernelDevice();
  Problems problems;
  for (const ShapeMutation& m : InvalidShapeMutations()) {
    ic_attention_shape shape = f.shape;
    int64_t tp = 1;
    m.apply(shape, tp);
    const ic_stage stage = Prefill(2, 128, tp);
    Progress(Cat("rewrite_traffic with ", m.label));
    ExpectError(Cat("rewrite_traffic (", m.label, ")"),
                f.kernel
                    .Rewrite(&shape, &stage, &device,
                             SyntheticAttentionPhases(f.shape, Prefill(2, 128), false))
                    .error,
                problems);
  }
  problems.FailIfAny("invalid shapes must return an error: ");
  return {Status::kPass,
          "tensor_parallel 3 (not dividing 16 heads), 0, -2, num_heads = 0 and head_dim = 0 are "
          "refused by rewrite_traffic",
          {}};
}

// ---- invariants ----

CheckResult FlopsUnchanged(const std::string& path) {
  Fixture f(path);
  const ic_kernel_device device = ReferenceKernelDevice();
  Problems problems;
  int runs = 0;
  for (const GridCase& c : Grid()) {
    Progress(Cat("rewrite_traffic, ", c.label));
    const std::vector<ic_phase_cost> input =
        SyntheticAttentionPhases(f.shape, c.stage, c.mla_style);
    const RewriteResult r = f.kernel.Rewrite(&f.shape, &c.stage, &device, input);
    ++runs;
    if (r.error.is_error) {
      problems.Add(Cat(c.label, ": rewrite_traffic failed: ", r.error.ToString()));
      continue;
    }
    for (size_t i = 0; i < input.size(); ++i) {
      const ic_phase_cost& a = input[i];
      const ic_phase_cost& b = r.phases[i];
      const std::string phase = PhaseName(a.phase);
      auto same = [&](const char* field, double x, double y) {
        if (BytesOf(x) != BytesOf(y)) {
          problems.Add(
              Cat(c.label, ": ", phase, ".", field, " changed from ", Num(x), " to ", Num(y)));
        }
      };
      if (a.phase != b.phase) {
        problems.Add(Cat(c.label, ": record ", i, " changed its phase id from ", phase, " to ",
                         PhaseName(b.phase)));
      }
      if (a.struct_size != b.struct_size) {
        problems.Add(Cat(c.label, ": ", phase, ".struct_size changed"));
      }
      same("matrix_flops", a.matrix_flops, b.matrix_flops);
      same("vector_flops", a.vector_flops, b.vector_flops);
      same("weight_bytes", a.weight_bytes, b.weight_bytes);
      same("params", a.params, b.params);
      same("comm_bytes", a.comm_bytes, b.comm_bytes);
      if (a.gemm_m != b.gemm_m || a.gemm_n != b.gemm_n || a.gemm_k != b.gemm_k ||
          a.gemm_count != b.gemm_count) {
        problems.Add(Cat(c.label, ": ", phase, " matmul shape changed"));
      }
    }
  }
  problems.FailIfAny("a kernel may rewrite only kv_read/kv_write/activation bytes: ");
  return {Status::kPass,
          Cat(runs,
              " rewrites (prefill/decode, tp 1,2, standard and MLA-style phases): FLOPs, "
              "weight bytes, params, ids and matmul shapes unchanged"),
          {}};
}

CheckResult BytesValid(const std::string& path) {
  Fixture f(path);
  const ic_kernel_device device = ReferenceKernelDevice();
  Problems problems;
  int runs = 0;
  for (const GridCase& c : Grid()) {
    Progress(Cat("rewrite_traffic, ", c.label));
    const RewriteResult r = f.kernel.Rewrite(
        &f.shape, &c.stage, &device, SyntheticAttentionPhases(f.shape, c.stage, c.mla_style));
    ++runs;
    if (r.error.is_error) {
      problems.Add(Cat(c.label, ": rewrite_traffic failed: ", r.error.ToString()));
      continue;
    }
    for (const ic_phase_cost& p : r.phases) CheckPhaseRecord(p, c.label, problems);
  }
  problems.FailIfAny();
  return {Status::kPass, Cat(runs, " rewrites: every byte count finite and >= 0"), {}};
}

CheckResult Deterministic(const std::string& path) {
  Fixture f(path);
  Instance second(f.plugin, f.host);
  const Kernel other(f.plugin, f.host, second.get());
  const ic_kernel_device device = ReferenceKernelDevice();
  Problems problems;
  int runs = 0;
  for (const GridCase& c : Grid()) {
    Progress(Cat("three rewrites of ", c.label));
    const auto input = SyntheticAttentionPhases(f.shape, c.stage, c.mla_style);
    const std::string first = Fingerprint(f.kernel.Rewrite(&f.shape, &c.stage, &device, input));
    const std::string again = Fingerprint(f.kernel.Rewrite(&f.shape, &c.stage, &device, input));
    const std::string elsewhere = Fingerprint(other.Rewrite(&f.shape, &c.stage, &device, input));
    ++runs;
    if (first != again) problems.Add(Cat(c.label, ": two calls on one instance differ"));
    if (first != elsewhere) problems.Add(Cat(c.label, ": two instances differ"));
  }
  problems.FailIfAny("not deterministic: ");
  return {Status::kPass,
          Cat(runs,
              " rewrites, each run twice on one instance and once on another: identical, "
              "bit for bit"),
          {}};
}

// The rewritten traffic of one decode step at `context`: kv read, kv write, activation bytes
// of every record, in order.
std::vector<double> DecodeTraffic(const Kernel& k, const ic_attention_shape& shape, ic_stage stage,
                                  int64_t context, bool rewritten, Problems& problems) {
  stage.context_tokens = context;
  std::vector<ic_phase_cost> phases = SyntheticAttentionPhases(shape, stage, false);
  if (rewritten) {
    const ic_kernel_device device = ReferenceKernelDevice();
    RewriteResult r = k.Rewrite(&shape, &stage, &device, phases);
    if (r.error.is_error) {
      problems.Add(Cat(Describe(stage), ": rewrite_traffic failed: ", r.error.ToString()));
      return {};
    }
    phases = std::move(r.phases);
  }
  std::vector<double> traffic;
  for (const ic_phase_cost& p : phases) {
    traffic.insert(traffic.end(), {p.kv_read_bytes, p.kv_write_bytes, p.activation_bytes});
  }
  return traffic;
}

// ABI 1.4: a kernel that declares where its rewrite of decode steps stops being affine must be
// affine everywhere else and jump alike at every break of one staircase (the host sums the
// steps of a generation from a few of them on that word). Checked at every context 2 .. 4,096
// of four decode stages where the variant-like input is itself affine.
CheckResult DecodeBreaksTrue(const std::string& path) {
  {  // before the fixture probes the plugin's shapes: an older table is skipped at once
    const PluginHandle plugin = PluginHandle::Open(path);
    const ic_attention_kernel_table* table = plugin.kernel();
    if (!IC_HAS_FIELD(table, ic_attention_kernel_table, decode_breaks) ||
        table->decode_breaks == nullptr) {
      return {Status::kSkip, "the kernel does not declare decode breaks (ABI < 1.4 or NULL)", {}};
    }
  }
  Fixture f(path);
  const ic_kernel_device device = ReferenceKernelDevice();
  const auto declare = [&](const ic_stage& stage, std::vector<ic_context_stairs>& stairs,
                           ErrorInfo& error) {
    return f.kernel.DecodeBreaks(f.shape, stage, device, 1, kFarthestCheckedContext + 1, stairs,
                                 error);
  };
  const auto rewritten = [&](const ic_stage& stage, int64_t context, Problems& problems) {
    return DecodeTraffic(f.kernel, f.shape, stage, context, true, problems);
  };
  const auto handed = [&](const ic_stage& stage, int64_t context, Problems& problems) {
    return DecodeTraffic(f.kernel, f.shape, stage, context, false, problems);
  };
  return CheckDecodeBreaks("rewrite", true, declare, rewritten, handed);
}

std::vector<LabeledCall> KernelWorkload(const PluginHandle& plugin, Host& host) {
  Progress("preparing the calls (probing the reference inputs)");
  ic_attention_shape shape = CandidateShapes().front();
  const ic_kernel_device device = ReferenceKernelDevice();
  {
    Instance probe(plugin, host);
    const Kernel k(plugin, host, probe.get());
    for (const ic_attention_shape& candidate : CandidateShapes()) {
      const ic_stage stage = Prefill(2, 128);
      if (!k.Rewrite(&candidate, &stage, &device, SyntheticAttentionPhases(candidate, stage, false))
               .error.is_error) {
        shape = candidate;
        break;
      }
    }
  }
  std::vector<LabeledCall> calls;
  Host* h = &host;
  const PluginHandle* p = &plugin;
  for (const GridCase& c : Grid()) {
    const std::vector<ic_phase_cost> input = SyntheticAttentionPhases(shape, c.stage, c.mla_style);
    const ic_stage stage = c.stage;
    calls.push_back({Cat("rewrite_traffic ", c.label), [=](void* instance) {
                       return Fingerprint(
                           Kernel(*p, *h, instance).Rewrite(&shape, &stage, &device, input));
                     }});
  }
  return calls;
}

}  // namespace

std::vector<CheckSpec> KernelChecks() {
  return {
      {"versions.input_structs",
       "v1.0-sized inputs and a newer caller's bigger structs give identical results",
       InputStructs},
      {"versions.output_structs", "rewrites stay inside the phase array", OutputStructs},
      {"lifecycle", "100 initialize/destroy cycles, several live instances, out-of-order destroy",
       [](const std::string& path) { return LifecycleCheck(path, KernelWorkload); }},
      {"errors.null_arguments", "NULL shape/stage/device/phases return errors", NullArguments},
      {"errors.invalid_stage",
       "zero/negative batch or tokens, context < query tokens, NaN/negative bytes return errors",
       InvalidStage},
      {"errors.invalid_shape", "tensor_parallel not dividing heads, zero heads return errors",
       InvalidShape},
      {"invariants.flops_unchanged", "FLOPs, weight bytes, ids and matmul shapes unchanged",
       FlopsUnchanged},
      {"invariants.bytes_valid", "rewritten byte counts finite and >= 0", BytesValid},
      {"invariants.deterministic", "same inputs, same results (bit for bit)", Deterministic},
      {"invariants.decode_breaks",
       "declared decode breaks (ABI 1.4): affine between them, equal jumps along a staircase",
       DecodeBreaksTrue},
      {"thread_safety", "concurrent calls on one instance match serial ones (if declared)",
       [](const std::string& path) { return ThreadSafetyCheck(path, KernelWorkload); }},
  };
}

}  // namespace infercost::conformance
