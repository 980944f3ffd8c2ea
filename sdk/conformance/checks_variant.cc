// Checks of attention-variant plugins (ic_attention_variant_table).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#include "checks.h"
#include "decode_breaks_check.h"
#include "fixtures.h"
#include "infercost/sdk/abi_support.h"

namespace infercost::conformance {
namespace {

// ---- calling a variant ----

// The sink the runner hands emit_phases: copies each record's ABI 1.0 part, and can refuse
// record number `refuse_at` with a host error to check that the plugin stops and returns it.
struct SinkState {
  Host* host = nullptr;
  std::vector<ic_phase_cost> records;
  uint64_t emits = 0;
  int64_t refuse_at = -1;
  ic_error* refusal = nullptr;
  uint64_t emits_after_refusal = 0;
  bool null_record = false;
};

ic_error* CollectRecord(void* context, const ic_phase_cost* cost) {
  auto* state = static_cast<SinkState*>(context);
  const uint64_t index = state->emits++;
  if (state->refusal != nullptr) {
    ++state->emits_after_refusal;
    return state->host->MakeError(IC_STATUS_FAILED_PRECONDITION,
                                  "emit called again after the sink refused a record");
  }
  if (cost == nullptr) {
    state->null_record = true;
    return state->host->MakeError(IC_STATUS_INVALID_ARGUMENT, "NULL phase record");
  }
  ic_phase_cost copy{};
  const uint32_t size = std::min<uint32_t>(cost->struct_size, sizeof copy);
  std::memcpy(static_cast<void*>(&copy), cost, std::max<uint32_t>(size, sizeof(uint32_t)));
  state->records.push_back(copy);
  if (static_cast<int64_t>(index) == state->refuse_at) {
    state->refusal = state->host->MakeError(IC_STATUS_INVALID_ARGUMENT,
                                            Cat("conformance sink refuses record #", index));
    return state->refusal;
  }
  return nullptr;
}

struct PhasesResult {
  ErrorInfo error;
  SinkState sink;
  bool returned_refusal = false;  // emit_phases returned exactly the sink's error
};

struct KvResult {
  ErrorInfo error;
  double bytes = 0;
};

class Variant {
 public:
  Variant(const PluginHandle& plugin, Host& host, void* instance)
      : table_(plugin.variant()), host_(&host), instance_(instance) {}

  ErrorInfo Validate(const ic_attention_shape* shape, int64_t tensor_parallel) const {
    ProgressCall(Cat("validate(tp ", tensor_parallel, ")"));
    return host_->Consume(table_->validate(instance_, shape, tensor_parallel));
  }

  KvResult KvBytes(const ic_attention_shape* shape, const ic_stage* stage) const {
    ProgressCall(Cat("kv_cache_bytes_per_token(", stage ? Describe(*stage) : "NULL stage", ")"));
    KvResult result;
    result.error =
        host_->Consume(table_->kv_cache_bytes_per_token(instance_, shape, stage, &result.bytes));
    return result;
  }

  // `newer_sink`: pass the sink as a caller of a later minor would (bigger struct_size).
  PhasesResult Phases(const ic_attention_shape* shape, const ic_stage* stage,
                      int64_t refuse_at = -1, bool newer_sink = false) const {
    ProgressCall(Cat("emit_phases(", stage ? Describe(*stage) : "NULL stage", ")"));
    PhasesResult result;
    result.sink.host = host_;
    result.sink.refuse_at = refuse_at;
    ic_phase_sink sink{kV1_0Size<ic_phase_sink>, 0, &result.sink, &CollectRecord};
    Newer<ic_phase_sink> newer = MakeNewer(sink);
    const ic_phase_sink* passed = newer_sink ? &newer.base : &sink;
    ic_error* returned = table_->emit_phases(instance_, shape, stage, passed);
    ic_error* refusal = result.sink.refusal;
    result.returned_refusal = refusal != nullptr && returned == refusal;
    result.error = host_->Consume(returned);
    if (refusal != nullptr && returned != refusal) host_->Consume(refusal);
    return result;
  }

  // ABI 1.1 functions: false when the table predates them or leaves them NULL.
  bool HasLayerFunctions() const {
    return IC_HAS_FIELD(table_, ic_attention_variant_table, kv_state_bytes) &&
           table_->classify_layer != nullptr && table_->kv_state_bytes != nullptr;
  }
  ErrorInfo ClassifyLayer(const ic_attention_shape* shape, const ic_layer* layer,
                          uint64_t* layer_class) const {
    ProgressCall(Cat("classify_layer(layer ", layer ? layer->index : -1, ")"));
    return host_->Consume(table_->classify_layer(instance_, shape, layer, layer_class));
  }
  // ABI 1.4 (the caller checked that the table holds it): the staircases it declares (the
  // count it returned; `error` set when the call failed).
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage, int64_t first,
                       int64_t last, std::vector<ic_context_stairs>& stairs,
                       ErrorInfo& error) const {
    ProgressCall(Cat("decode_breaks(", Describe(stage), ", contexts ", first, "..", last, ")"));
    stairs.assign(kOfferedStaircases, ic_context_stairs{});
    int64_t count = IC_BREAKS_UNKNOWN;
    error = host_->Consume(table_->decode_breaks(instance_, &shape, &stage, first, last,
                                                 stairs.data(), stairs.size(), &count));
    stairs.resize(count > 0 ? std::min<size_t>(static_cast<size_t>(count), kOfferedStaircases) : 0);
    return count;
  }
  KvResult StateBytes(const ic_attention_shape* shape, const ic_stage* stage) const {
    ProgressCall(Cat("kv_state_bytes(", stage ? Describe(*stage) : "NULL stage", ")"));
    KvResult result;
    result.error = host_->Consume(table_->kv_state_bytes(instance_, shape, stage, &result.bytes));
    return result;
  }

 private:
  const ic_attention_variant_table* table_;
  Host* host_;
  void* instance_;
};

std::string RecordsBytes(const std::vector<ic_phase_cost>& records) {
  std::string bytes;
  for (const ic_phase_cost& r : records) bytes += BytesOf(r);
  return bytes;
}

std::string Fingerprint(const PhasesResult& r) {
  return r.error.is_error ? Fingerprint(r.error) : "ok " + RecordsBytes(r.sink.records);
}

std::string Fingerprint(const KvResult& r) {
  return r.error.is_error ? Fingerprint(r.error) : "ok " + BytesOf(r.bytes);
}

// The first candidate shape the plugin accepts (validate, kv bytes and phases at a prefill of
// 128 tokens, batch 2); Fail()s with the first refusal if it takes none.
ic_attention_shape ProbeShape(const Variant& v) {
  std::string first_error;
  const ic_stage stage = Prefill(2, 128);
  for (const ic_attention_shape& shape : CandidateShapes()) {
    Progress(Cat("probing the reference shape (sliding_window = ", shape.sliding_window, ")"));
    const ErrorInfo valid = v.Validate(&shape, 1);
    const KvResult kv = v.KvBytes(&shape, &stage);
    const PhasesResult phases = v.Phases(&shape, &stage);
    if (!valid.is_error && !kv.error.is_error && !phases.error.is_error) return shape;
    if (first_error.empty()) {
      first_error = valid.is_error      ? "validate: " + valid.ToString()
                    : kv.error.is_error ? "kv_cache_bytes_per_token: " + kv.error.ToString()
                                        : "emit_phases: " + phases.error.ToString();
    }
  }
  Fail(
      Cat("the plugin rejects every reference shape (hidden 2048, 16 heads, 4 KV heads, head "
          "dims 192/128, MLA ranks 512/256, sliding window 0/256/4096) at ",
          Describe(stage), "; first refusal: ", first_error));
}

// The probed shape, or (when `lenient`, for the error checks, which need no working call) the
// first candidate if the plugin accepts none.
ic_attention_shape ReferenceShapeFor(const Variant& v, bool lenient) {
  if (!lenient) return ProbeShape(v);
  try {
    return ProbeShape(v);
  } catch (const CheckFailed&) {
    return CandidateShapes().front();
  }
}

// Everything a check needs: the loaded plugin, a host, an instance and the probed shape.
struct Fixture {
  explicit Fixture(const std::string& path, bool lenient = false)
      : plugin(PluginHandle::Open(path)),
        instance(plugin, host),
        variant(plugin, host, instance.get()),
        shape(ReferenceShapeFor(variant, lenient)) {}
  PluginHandle plugin;
  Host host;
  Instance instance;
  Variant variant;
  ic_attention_shape shape;
};

// The stages the grid checks go through.
std::vector<ic_stage> GridStages(int64_t tensor_parallel) {
  std::vector<ic_stage> stages;
  for (int64_t batch : {1, 3}) {
    for (int64_t tokens : {1, 17, 512, 4096})
      stages.push_back(Prefill(batch, tokens, tensor_parallel));
  }
  for (int64_t batch : {1, 64}) {
    for (int64_t context : {1, 100, 8192})
      stages.push_back(Decode(batch, context, tensor_parallel));
  }
  ic_stage chunk = MakeStage(IC_STAGE_PREFILL, 2, 256, 2048, tensor_parallel);
  stages.push_back(chunk);
  ic_stage fp8 = Decode(8, 1024, tensor_parallel);
  fp8.weight_dtype = IC_DTYPE_FP8;
  fp8.kv_dtype = IC_DTYPE_FP8;
  fp8.weight_bytes_per_element = 1;
  fp8.kv_bytes_per_element = 1;
  stages.push_back(fp8);
  ic_stage int4 = Prefill(1, 333, tensor_parallel);
  int4.weight_dtype = IC_DTYPE_INT4;
  int4.weight_bytes_per_element = 0.5;
  stages.push_back(int4);
  return stages;
}

// Tensor-parallel sizes the plugin's validate accepts among 1, 2, 4.
std::vector<int64_t> AcceptedTensorParallel(const Fixture& f) {
  std::vector<int64_t> sizes;
  for (int64_t tp : {1, 2, 4}) {
    if (!f.variant.Validate(&f.shape, tp).is_error) sizes.push_back(tp);
  }
  return sizes;
}

// ---- versions ----

CheckResult InputStructs(const std::string& path) {
  Fixture f(path);
  Problems problems;
  std::string refused_v1_0;  // a 1.1+ plugin's clean refusal of v1.0-sized inputs
  for (const ic_stage& reference_stage : {Prefill(2, 128), Decode(2, 1024)}) {
    const std::string where = Describe(reference_stage);
    ic_attention_shape shape = AsV1_0(f.shape);
    ic_stage stage = AsV1_0(reference_stage);
    Progress(Cat("older caller (v1.0 struct sizes), ", where));
    PhasesResult old_phases = f.variant.Phases(&shape, &stage);
    // A plugin built against 1.1 or later may need what only a 1.1 caller passes (its options,
    // the layer): it must then refuse a 1.0 caller with a clean error, and the comparison below
    // is between a current-size caller and a newer one.
    if (old_phases.error.is_error && old_phases.error.made_by_host &&
        f.plugin.plugin().abi_minor >= 1) {
      refused_v1_0 = old_phases.error.ToString();
      shape.struct_size = sizeof(ic_attention_shape);
      stage.struct_size = sizeof(ic_stage);
      old_phases = f.variant.Phases(&shape, &stage);
    }
    const KvResult old_kv = f.variant.KvBytes(&shape, &stage);
    const ErrorInfo old_valid = f.variant.Validate(&shape, stage.tensor_parallel);

    Newer<ic_attention_shape> newer_shape = MakeNewer(shape);
    Newer<ic_stage> newer_stage = MakeNewer(stage);
    const std::string shape_before = BytesOf(newer_shape);
    const std::string stage_before = BytesOf(newer_stage);
    Progress(Cat("newer caller (bigger structs, garbage trailing fields), ", where));
    const PhasesResult new_phases = f.variant.Phases(&newer_shape.base, &newer_stage.base, -1,
                                                     /*newer_sink=*/true);
    const KvResult new_kv = f.variant.KvBytes(&newer_shape.base, &newer_stage.base);
    const ErrorInfo new_valid = f.variant.Validate(&newer_shape.base, stage.tensor_parallel);

    const std::string sizes = Cat("shape ", sizeof newer_shape, " / stage ", sizeof newer_stage,
                                  " / sink ", sizeof(Newer<ic_phase_sink>), " bytes");
    if (old_phases.error.is_error) {
      problems.Add(
          Cat("v1.0-sized inputs, ", where, ": emit_phases failed: ", old_phases.error.ToString()));
    }
    if (new_phases.error.is_error) {
      problems.Add(Cat("newer caller (", sizes, "), ", where,
                       ": emit_phases failed: ", new_phases.error.ToString()));
    }
    if (new_kv.error.is_error) {
      problems.Add(Cat("newer caller, ", where,
                       ": kv_cache_bytes_per_token failed: ", new_kv.error.ToString()));
    }
    if (new_valid.is_error)
      problems.Add(Cat("newer caller: validate failed: ", new_valid.ToString()));
    if (Fingerprint(old_phases) != Fingerprint(new_phases)) {
      problems.Add(Cat(where,
                       ": emit_phases gives different records for a newer caller's "
                       "bigger structs (does it read past the v1.0 fields?)"));
    }
    if (Fingerprint(old_kv) != Fingerprint(new_kv)) {
      problems.Add(Cat(where, ": kv_cache_bytes_per_token differs for a newer caller (",
                       Num(old_kv.bytes), " vs ", Num(new_kv.bytes), ")"));
    }
    if (old_valid.is_error != new_valid.is_error) {
      problems.Add("validate answers differently for a newer caller's bigger shape");
    }
    if (BytesOf(newer_shape) != shape_before || BytesOf(newer_stage) != stage_before) {
      problems.Add(Cat(where, ": the plugin wrote into its const input structs"));
    }
  }
  problems.FailIfAny();
  if (!refused_v1_0.empty()) {
    return {Status::kPass,
            Cat("needs ABI 1.1 inputs (refuses v1.0-sized ones cleanly: ", refused_v1_0,
                "); current-size and a newer caller's bigger shape, stage and sink give "
                "identical results; inputs left untouched"),
            {}};
  }
  return {Status::kPass,
          "v1.0-sized inputs and a newer caller's bigger shape, stage and sink (garbage "
          "trailing fields) give identical results; inputs left untouched",
          {}};
}

CheckResult OutputStructs(const std::string& path) {
  Fixture f(path);
  const ic_stage stage = Decode(2, 1024);
  double buffer[3];
  std::memset(buffer, kGuardByte, sizeof buffer);
  const std::string before = BytesOf(buffer);
  Progress("kv_cache_bytes_per_token with guard bytes around *bytes");
  ErrorInfo error = f.host.Consume(
      f.plugin.variant()->kv_cache_bytes_per_token(f.instance.get(), &f.shape, &stage, &buffer[1]));
  if (error.is_error) Fail(Cat("kv_cache_bytes_per_token failed: ", error.ToString()));
  const std::string after = BytesOf(buffer);
  if (after.compare(0, sizeof(double), before, 0, sizeof(double)) != 0 ||
      after.compare(2 * sizeof(double), sizeof(double), before, 2 * sizeof(double),
                    sizeof(double)) != 0) {
    Fail("kv_cache_bytes_per_token wrote outside the double *bytes points to");
  }
  return {Status::kPass,
          "attention variants fill no struct_size-versioned output struct; "
          "kv_cache_bytes_per_token writes exactly the 8 bytes of *bytes",
          {}};
}

// ---- errors ----

CheckResult NullArguments(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  const ic_attention_variant_table* t = f.plugin.variant();
  void* instance = f.instance.get();
  const ic_stage stage = Prefill(2, 128);
  const ic_attention_shape* shape = &f.shape;
  SinkState state;
  state.host = &f.host;
  const ic_phase_sink sink{sizeof(ic_phase_sink), 0, &state, &CollectRecord};
  double bytes = 0;
  Problems problems;
  auto expect = [&](const std::string& call, ic_error* error) {
    ExpectError(call, f.host.Consume(error), problems);
  };
  Progress("validate(shape = NULL)");
  expect("validate(shape = NULL)", t->validate(instance, nullptr, 1));
  Progress("kv_cache_bytes_per_token(shape = NULL)");
  expect("kv_cache_bytes_per_token(shape = NULL)",
         t->kv_cache_bytes_per_token(instance, nullptr, &stage, &bytes));
  Progress("kv_cache_bytes_per_token(stage = NULL)");
  expect("kv_cache_bytes_per_token(stage = NULL)",
         t->kv_cache_bytes_per_token(instance, shape, nullptr, &bytes));
  Progress("kv_cache_bytes_per_token(bytes = NULL)");
  expect("kv_cache_bytes_per_token(bytes = NULL)",
         t->kv_cache_bytes_per_token(instance, shape, &stage, nullptr));
  Progress("emit_phases(shape = NULL)");
  expect("emit_phases(shape = NULL)", t->emit_phases(instance, nullptr, &stage, &sink));
  Progress("emit_phases(stage = NULL)");
  expect("emit_phases(stage = NULL)", t->emit_phases(instance, shape, nullptr, &sink));
  Progress("emit_phases(sink = NULL)");
  expect("emit_phases(sink = NULL)", t->emit_phases(instance, shape, &stage, nullptr));
  problems.FailIfAny("NULL arguments must return an error: ");
  return {Status::kPass,
          "7 calls with a NULL shape, stage, sink or out-pointer each returned an error",
          {}};
}

CheckResult InvalidStage(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  Problems problems;
  int calls = 0;
  for (const ic_stage& base : {Prefill(2, 128), Decode(2, 1024)}) {
    for (const StageMutation& m : InvalidStageMutations()) {
      if (base.kind == IC_STAGE_DECODE &&
          m.label.find("context_tokens (64)") != std::string::npos) {
        continue;  // the same case as at prefill
      }
      ic_stage stage = base;
      m.apply(stage);
      const std::string where =
          Cat(base.kind == IC_STAGE_PREFILL ? "prefill" : "decode", " with ", m.label);
      Progress(Cat("emit_phases, ", where));
      ExpectError(Cat("emit_phases (", where, ")"), f.variant.Phases(&f.shape, &stage).error,
                  problems);
      ++calls;
      if (m.kv_related) {
        Progress(Cat("kv_cache_bytes_per_token, ", where));
        ExpectError(Cat("kv_cache_bytes_per_token (", where, ")"),
                    f.variant.KvBytes(&f.shape, &stage).error, problems);
        ++calls;
      }
    }
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
  Problems problems;
  for (const ShapeMutation& m : InvalidShapeMutations()) {
    ic_attention_shape shape = f.shape;
    int64_t tp = 1;
    m.apply(shape, tp);
    const ic_stage stage = Prefill(2, 128, tp);
    Progress(Cat("validate with ", m.label));
    ExpectError(Cat("validate (", m.label, ")"), f.variant.Validate(&shape, tp), problems);
    Progress(Cat("kv_cache_bytes_per_token with ", m.label));
    ExpectError(Cat("kv_cache_bytes_per_token (", m.label, ")"),
                f.variant.KvBytes(&shape, &stage).error, problems);
    Progress(Cat("emit_phases with ", m.label));
    ExpectError(Cat("emit_phases (", m.label, ")"), f.variant.Phases(&shape, &stage).error,
                problems);
  }
  problems.FailIfAny("invalid shapes must return an error: ");
  return {Status::kPass,
          "tensor_parallel 3 (not dividing 16 heads), 0, -2, num_heads = 0 and head_dim = 0 are "
          "refused by validate, kv_cache_bytes_per_token and emit_phases",
          {}};
}

CheckResult SinkError(const std::string& path) {
  Fixture f(path, /*lenient=*/true);
  Problems problems;
  uint64_t cases = 0;
  for (const ic_stage& stage : {Prefill(2, 128), Decode(2, 1024)}) {
    const PhasesResult normal = f.variant.Phases(&f.shape, &stage);
    const uint64_t records = normal.sink.emits;
    if (records == 0) {
      problems.Add(Cat(Describe(stage), ": emit_phases emits no phases at all"));
      continue;
    }
    for (uint64_t k = 0; k < records; ++k) {
      Progress(Cat(Describe(stage), ": the sink refuses record #", k));
      const PhasesResult r = f.variant.Phases(&f.shape, &stage, static_cast<int64_t>(k));
      ++cases;
      const std::string where =
          Cat(Describe(stage), ", sink refusing record #", k, " of ", records);
      if (r.sink.emits_after_refusal > 0) {
        problems.Add(Cat(where, ": emit was called ", r.sink.emits_after_refusal,
                         " more time(s) after the sink returned an error (must stop)"));
      }
      if (!r.returned_refusal) {
        problems.Add(Cat(where, ": emit_phases returned ",
                         r.error.is_error ? "a different error (" + r.error.ToString() + ")"
                                          : std::string("success"),
                         " instead of the sink's error, unchanged"));
      }
    }
  }
  problems.FailIfAny();
  return {Status::kPass,
          Cat("in ", cases,
              " runs where the sink refused one record, emit_phases stopped and "
              "returned the sink's error unchanged"),
          {}};
}

// ---- invariants ----

CheckResult CostsValid(const std::string& path) {
  Fixture f(path);
  Problems problems;
  int runs = 0;
  const std::vector<int64_t> tps = AcceptedTensorParallel(f);
  for (int64_t tp : tps) {
    for (const ic_stage& stage : GridStages(tp)) {
      const std::string where = Describe(stage);
      Progress(Cat("emit_phases, ", where));
      const PhasesResult r = f.variant.Phases(&f.shape, &stage);
      ++runs;
      if (r.error.is_error) {
        problems.Add(Cat(where, ": emit_phases failed although validate accepts tp=", tp, ": ",
                         r.error.ToString()));
        continue;
      }
      if (r.sink.records.empty()) problems.Add(Cat(where, ": no phases emitted"));
      for (const ic_phase_cost& record : r.sink.records) CheckPhaseRecord(record, where, problems);
      const KvResult kv = f.variant.KvBytes(&f.shape, &stage);
      if (kv.error.is_error) {
        problems.Add(Cat(where, ": kv_cache_bytes_per_token failed: ", kv.error.ToString()));
      } else if (!std::isfinite(kv.bytes) || kv.bytes < 0) {
        problems.Add(Cat(where, ": kv_cache_bytes_per_token = ", Num(kv.bytes),
                         " (must be finite and >= 0)"));
      }
    }
  }
  problems.FailIfAny();
  std::string tp_list;
  for (int64_t tp : tps) tp_list += Cat(tp_list.empty() ? "" : ",", tp);
  return {Status::kPass,
          Cat(runs, " stages (prefill/decode, batch, dtypes, tp ", tp_list,
              "): every record and KV size finite and >= 0"),
          {}};
}

CheckResult PhaseIds(const std::string& path) {
  Fixture f(path);
  std::map<std::string, std::string> foreign;  // phase name -> first stage emitting it
  std::map<std::string, int> seen;
  for (int64_t tp : AcceptedTensorParallel(f)) {
    for (const ic_stage& stage : {Prefill(2, 128, tp), Decode(4, 2048, tp)}) {
      Progress(Cat("emit_phases, ", Describe(stage)));
      const PhasesResult r = f.variant.Phases(&f.shape, &stage);
      if (r.error.is_error)
        Fail(Cat(Describe(stage), ": emit_phases failed: ", r.error.ToString()));
      for (const ic_phase_cost& record : r.sink.records) {
        const std::string name = PhaseName(record.phase);
        ++seen[name];
        if (!IsAttentionPhase(record.phase) && !foreign.count(name)) {
          foreign[name] = Describe(stage);
        }
      }
    }
  }
  if (!foreign.empty()) {
    Problems problems;
    for (const auto& [name, where] : foreign) {
      problems.Add(Cat(name, " (id not in the attention section; first at ", where, ")"));
    }
    problems.FailIfAny(
        "an attention variant may emit only q_proj k_proj v_proj qk_scores softmax attn_v o_proj "
        "q_a_proj q_b_proj kv_a_proj kv_b_proj; it emitted: ");
  }
  std::string names;
  for (const auto& [name, count] : seen) names += (names.empty() ? "" : " ") + name;
  return {Status::kPass, Cat("only attention phases: ", names), {}};
}

CheckResult Deterministic(const std::string& path) {
  Fixture f(path);
  Instance second(f.plugin, f.host);
  const Variant other(f.plugin, f.host, second.get());
  Problems problems;
  int runs = 0;
  for (const ic_stage& stage : GridStages(1)) {
    const std::string where = Describe(stage);
    Progress(Cat("three runs of ", where));
    const std::string first = Fingerprint(f.variant.Phases(&f.shape, &stage)) +
                              Fingerprint(f.variant.KvBytes(&f.shape, &stage));
    const std::string again = Fingerprint(f.variant.Phases(&f.shape, &stage)) +
                              Fingerprint(f.variant.KvBytes(&f.shape, &stage));
    const std::string elsewhere =
        Fingerprint(other.Phases(&f.shape, &stage)) + Fingerprint(other.KvBytes(&f.shape, &stage));
    ++runs;
    if (first != again) problems.Add(Cat(where, ": two calls on one instance differ"));
    if (first != elsewhere) problems.Add(Cat(where, ": two instances differ"));
  }
  problems.FailIfAny("not deterministic: ");
  return {Status::kPass,
          Cat(runs,
              " stages, each run twice on one instance and once on another: identical "
              "records and KV sizes, bit for bit"),
          {}};
}

// The quantities that must not decrease when context or batch grows.
std::vector<std::pair<std::string, double>> MonotoneMetrics(
    const std::vector<ic_phase_cost>& records) {
  double qk_flops = 0, qk_kv = 0, av_flops = 0, av_kv = 0;
  double matrix = 0, vector = 0, kv_read = 0, bytes = 0;
  for (const ic_phase_cost& r : records) {
    if (r.phase == IC_PHASE_QK_SCORES) {
      qk_flops += r.matrix_flops;
      qk_kv += r.kv_read_bytes;
    }
    if (r.phase == IC_PHASE_ATTN_V) {
      av_flops += r.matrix_flops;
      av_kv += r.kv_read_bytes;
    }
    matrix += r.matrix_flops;
    vector += r.vector_flops;
    kv_read += r.kv_read_bytes;
    bytes += sdk::HbmBytes(r);
  }
  return {{"qk_scores.matrix_flops", qk_flops}, {"qk_scores.kv_read_bytes", qk_kv},
          {"attn_v.matrix_flops", av_flops},    {"attn_v.kv_read_bytes", av_kv},
          {"total matrix_flops", matrix},       {"total vector_flops", vector},
          {"total kv_read_bytes", kv_read},     {"total bytes", bytes}};
}

// Runs `series` in order and adds a problem for each metric that decreases or is not finite.
void CheckSeries(const Fixture& f, const std::string& name, const std::vector<ic_stage>& series,
                 Problems& problems) {
  std::vector<std::vector<std::pair<std::string, double>>> metrics;
  for (const ic_stage& stage : series) {
    Progress(Cat(name, ": ", Describe(stage)));
    const PhasesResult r = f.variant.Phases(&f.shape, &stage);
    if (r.error.is_error) {
      problems.Add(
          Cat(name, ": emit_phases failed at ", Describe(stage), ": ", r.error.ToString()));
      return;
    }
    metrics.push_back(MonotoneMetrics(r.sink.records));
  }
  for (size_t i = 0; i < metrics.size(); ++i) {
    for (size_t m = 0; m < metrics[i].size(); ++m) {
      const auto& [metric, value] = metrics[i][m];
      if (!std::isfinite(value)) {
        problems.Add(Cat(name, ": ", metric, " = ", Num(value), " at ", Describe(series[i])));
        continue;
      }
      if (i == 0) continue;
      const double previous = metrics[i - 1][m].second;
      if (std::isfinite(previous) && value < previous * (1 - 1e-12)) {
        problems.Add(Cat(name, ": ", metric, " decreases from ", Num(previous), " (",
                         Describe(series[i - 1]), ") to ", Num(value), " (", Describe(series[i]),
                         ")"));
      }
    }
  }
}

CheckResult MonotoneContext(const std::string& path) {
  Fixture f(path);
  Problems problems;
  std::vector<ic_stage> decode, prefill, chunked;
  for (int64_t context : {1, 2, 16, 255, 1024, 4096, 32768}) decode.push_back(Decode(2, context));
  for (int64_t tokens : {1, 16, 128, 1024, 8192}) prefill.push_back(Prefill(2, tokens));
  for (int64_t context : {64, 256, 2048, 16384}) {
    chunked.push_back(MakeStage(IC_STAGE_PREFILL, 2, 64, context));
  }
  CheckSeries(f, "decode, growing context", decode, problems);
  CheckSeries(f, "prefill, growing prompt", prefill, problems);
  CheckSeries(f, "64-token prefill chunks, growing context", chunked, problems);
  problems.FailIfAny();
  return {Status::kPass,
          "qk_scores/attn_v FLOPs and KV reads and the totals never decrease as the context grows "
          "(decode 1..32768, prefill 1..8192, chunked prefill)",
          {}};
}

// ABI 1.4: a variant that declares where its decode phases stop being affine in the context must
// be affine everywhere else and jump alike at every break of one staircase (the host sums the
// steps of a generation from a few of them on that word). Every numeric field of every record,
// at every context 1 .. 4,097 of four decode stages.
CheckResult DecodeBreaksTrue(const std::string& path) {
  {  // before the fixture probes the plugin's shapes: an older table is skipped at once
    const PluginHandle plugin = PluginHandle::Open(path);
    const ic_attention_variant_table* table = plugin.variant();
    if (!IC_HAS_FIELD(table, ic_attention_variant_table, decode_breaks) ||
        table->decode_breaks == nullptr) {
      return {Status::kSkip, "the variant does not declare decode breaks (ABI < 1.4 or NULL)", {}};
    }
  }
  Fixture f(path);
  // The reference shape, and the same with a 1,000-token window when the variant takes one (a
  // window filling up is the usual declared break).
  std::vector<std::pair<std::string, ic_attention_shape>> shapes = {{"phases", f.shape}};
  ic_attention_shape windowed = f.shape;
  windowed.sliding_window = 1000;
  if (f.shape.sliding_window == 0 && !f.variant.Validate(&windowed, 1).is_error) {
    shapes.push_back({"phases with a 1,000-token window", windowed});
  }
  std::vector<std::string> passed;
  for (const auto& [what, shape] : shapes) {
    const auto declare = [&](const ic_stage& stage, std::vector<ic_context_stairs>& stairs,
                             ErrorInfo& error) {
      return f.variant.DecodeBreaks(shape, stage, 1, kFarthestCheckedContext + 1, stairs, error);
    };
    // Every numeric field of every record.
    const auto numbers = [&](ic_stage stage, int64_t context, Problems& problems) {
      stage.context_tokens = context;
      const PhasesResult r = f.variant.Phases(&shape, &stage);
      std::vector<double> values;
      if (r.error.is_error) {
        problems.Add(Cat(Describe(stage), ": emit_phases failed: ", r.error.ToString()));
        return values;
      }
      for (const ic_phase_cost& p : r.sink.records) {
        values.insert(values.end(), {static_cast<double>(p.phase), p.params, p.matrix_flops,
                                     p.vector_flops, p.weight_bytes, p.kv_read_bytes,
                                     p.kv_write_bytes, p.activation_bytes, p.comm_bytes});
      }
      return values;
    };
    const CheckResult result =
        CheckDecodeBreaks(what, !f.variant.Validate(&shape, 2).is_error, declare, numbers, nullptr);
    if (result.status == Status::kPass) passed.push_back(result.reason);
  }
  if (passed.empty()) {
    return {Status::kSkip, "decode_breaks returns IC_BREAKS_UNKNOWN for every decode stage", {}};
  }
  std::string reason = passed.front();
  for (size_t i = 1; i < passed.size(); ++i) reason += "; " + passed[i];
  return {Status::kPass, reason, {}};
}

CheckResult MonotoneBatch(const std::string& path) {
  Fixture f(path);
  Problems problems;
  std::vector<ic_stage> decode, prefill;
  for (int64_t batch : {1, 2, 3, 8, 64, 256}) {
    decode.push_back(Decode(batch, 2048));
    prefill.push_back(Prefill(batch, 512));
  }
  CheckSeries(f, "decode at context 2048, growing batch", decode, problems);
  CheckSeries(f, "prefill of 512, growing batch", prefill, problems);
  problems.FailIfAny();
  return {Status::kPass,
          "qk_scores/attn_v FLOPs and KV reads and the totals never decrease as the batch grows "
          "(1..256, decode and prefill)",
          {}};
}

CheckResult GqaKvBytes(const std::string& path) {
  Fixture f(path);
  constexpr int64_t kGroup = 8;
  ic_attention_shape mha = f.shape;
  mha.num_kv_heads = mha.num_heads;
  ic_attention_shape grouped = f.shape;
  grouped.num_kv_heads = grouped.num_heads / kGroup;
  const ic_stage stage = Decode(1, 1024);
  Progress("kv_cache_bytes_per_token with num_kv_heads = num_heads");
  const KvResult full = f.variant.KvBytes(&mha, &stage);
  Progress("kv_cache_bytes_per_token with num_kv_heads = num_heads / 8");
  const KvResult shared = f.variant.KvBytes(&grouped, &stage);
  if (full.error.is_error || shared.error.is_error) {
    Skip(Cat("the variant refuses num_kv_heads = ", mha.num_kv_heads, " or ", grouped.num_kv_heads,
             " (", (full.error.is_error ? full.error : shared.error).ToString(),
             "); nothing to compare"));
  }
  if (!std::isfinite(full.bytes) || !std::isfinite(shared.bytes)) {
    Fail(Cat("kv_cache_bytes_per_token is not finite (", Num(full.bytes), ", ", Num(shared.bytes),
             ")"));
  }
  if (full.bytes == shared.bytes) {
    Skip(Cat("KV bytes per token (", Num(full.bytes),
             ") do not depend on num_kv_heads (e.g. mha, mqa, mla); no grouping to check"));
  }
  if (shared.bytes > full.bytes) {
    Fail(Cat("KV bytes per token grow when K/V heads are shared: ", Num(shared.bytes),
             " with num_kv_heads = ", grouped.num_kv_heads, " > ", Num(full.bytes),
             " with num_kv_heads = ", mha.num_kv_heads));
  }
  const bool by_group = shared.bytes <= full.bytes / kGroup * (1 + 1e-12);
  return {Status::kPass,
          Cat("num_kv_heads ", mha.num_kv_heads, " -> ", grouped.num_kv_heads,
              ": KV bytes per token ", Num(full.bytes), " -> ", Num(shared.bytes),
              by_group ? " (<= MHA / 8)" : " (smaller, though not by the full group factor 8)"),
          {}};
}

// ABI 1.2: one GPU's records summed over its tensor-parallel group, params and weight bytes
// divided by each record's weight_copies, are the same model at every tensor-parallel degree the
// variant accepts (a replicated weight that is not declared counts once per GPU and breaks it).
CheckResult TensorParallelWeights(const std::string& path) {
  Fixture f(path);
  if (f.plugin.plugin().abi_minor < 2) {
    Skip(Cat("built against ABI 1.", f.plugin.plugin().abi_minor,
             ": weight_copies (1.2) cannot be declared"));
  }
  Problems problems;
  struct Whole {
    int64_t tp;
    double params;
    double weight_bytes;
  };
  std::vector<Whole> wholes;
  for (int64_t tp : {1, 2, 4, 8, 16}) {
    if (f.shape.num_heads % tp != 0) continue;
    const ic_stage stage = Decode(2, 1024, tp);
    Progress(Cat("whole-model weights from ", Describe(stage)));
    const PhasesResult r = f.variant.Phases(&f.shape, &stage);
    if (r.error.is_error) continue;  // a degree this variant refuses (errors.invalid_shape)
    Whole whole{tp, 0, 0};
    for (const ic_phase_cost& record : r.sink.records) {
      const double copies = sdk::WeightCopies(record);
      if (copies > static_cast<double>(tp)) {
        problems.Add(Cat(sdk::PhaseName(record.phase), ".weight_copies = ", Num(copies), " at tp ",
                         tp, ": more GPUs than the group has"));
      }
      whole.params += record.params * static_cast<double>(tp) / copies;
      whole.weight_bytes += record.weight_bytes * static_cast<double>(tp) / copies;
    }
    wholes.push_back(whole);
  }
  if (wholes.size() < 2) Skip("the variant accepts fewer than two tensor-parallel degrees");
  const Whole& one = wholes.front();
  for (const Whole& w : wholes) {
    for (const auto& [what, value, reference] :
         {std::tuple<const char*, double, double>{"params", w.params, one.params},
          {"weight_bytes", w.weight_bytes, one.weight_bytes}}) {
      if (std::fabs(value - reference) > 1e-9 * std::max(std::fabs(reference), 1.0)) {
        problems.Add(Cat("whole-model ", what, " = ", Num(value), " at tp ", w.tp, " but ",
                         Num(reference), " at tp ", one.tp,
                         ": set weight_copies on records whose weights several GPUs keep"));
      }
    }
  }
  problems.FailIfAny();
  std::string degrees;
  for (const Whole& w : wholes) degrees += Cat(degrees.empty() ? "" : ", ", w.tp);
  return {Status::kPass,
          Cat("params ", Num(one.params), " and weight bytes ", Num(one.weight_bytes),
              " of the whole model at tp ", degrees),
          {}};
}

// ---- lifecycle and threads ----

std::vector<LabeledCall> VariantWorkload(const PluginHandle& plugin, Host& host) {
  Progress("preparing the calls (probing the reference inputs)");
  ic_attention_shape shape = CandidateShapes().front();
  {
    Instance probe(plugin, host);
    const Variant v(plugin, host, probe.get());
    for (const ic_attention_shape& candidate : CandidateShapes()) {
      const ic_stage stage = Prefill(2, 128);
      if (!v.Phases(&candidate, &stage).error.is_error) {
        shape = candidate;
        break;
      }
    }
  }
  std::vector<LabeledCall> calls;
  const std::vector<ic_stage> stages = {Prefill(1, 16),     Prefill(2, 128),   Prefill(3, 1000),
                                        Decode(1, 1),       Decode(4, 4096),   Decode(64, 300),
                                        Prefill(2, 128, 2), Decode(8, 2048, 2)};
  Host* h = &host;
  const PluginHandle* p = &plugin;
  for (const ic_stage& stage : stages) {
    calls.push_back({Cat("emit_phases ", Describe(stage)), [=](void* instance) {
                       return Fingerprint(Variant(*p, *h, instance).Phases(&shape, &stage));
                     }});
    calls.push_back({Cat("kv_cache_bytes_per_token ", Describe(stage)), [=](void* instance) {
                       return Fingerprint(Variant(*p, *h, instance).KvBytes(&shape, &stage));
                     }});
  }
  return calls;
}

// ABI 1.1: every layer of a 4-layer model gets a class, twice the same; the state one sequence
// keeps in each class's layer is finite, >= 0 and non-decreasing in context; and a NULL layer,
// stage or out-pointer is an error.
CheckResult LayersAndState(const std::string& path) {
  Fixture f(path);
  if (!f.variant.HasLayerFunctions()) {
    Skip(
        "the table has no classify_layer / kv_state_bytes (ABI 1.0, or left NULL): hosts group "
        "layers by kind and apply the 1.0 KV rule");
  }
  Problems problems;
  int classes_seen = 0;
  // A variant may refuse layer kinds it does not cost (hybrid models map those layers to
  // another variant), with a clean INVALID_ARGUMENT; it must accept at least one.
  for (const char* kind : {"", "full_attention", "sliding_attention", "linear_attention"}) {
    for (int64_t index = 0; index < 4; ++index) {
      const ic_layer layer{sizeof(ic_layer), 0, index, 4, ic_string{kind, std::strlen(kind)}};
      uint64_t first = 0;
      uint64_t second = 1;
      const ErrorInfo e1 = f.variant.ClassifyLayer(&f.shape, &layer, &first);
      const ErrorInfo e2 = f.variant.ClassifyLayer(&f.shape, &layer, &second);
      const std::string where = Cat("layer ", index, " of 4, kind '", kind, "'");
      if (e1.is_error || e2.is_error) {
        const ErrorInfo& e = e1.is_error ? e1 : e2;
        if (!e.made_by_host || e.code != IC_STATUS_INVALID_ARGUMENT || e1.is_error != e2.is_error) {
          problems.Add(Cat(where,
                           ": classify_layer refused it without a clean, repeatable "
                           "INVALID_ARGUMENT: ",
                           e.ToString()));
        }
        continue;
      }
      if (first != second) problems.Add(Cat(where, ": classify_layer gave two classes"));
      ++classes_seen;
      double previous = 0;
      for (int64_t context : {1, 100, 4096, 100000}) {
        ic_stage stage = Decode(1, context);
        stage.layer = &layer;
        const KvResult state = f.variant.StateBytes(&f.shape, &stage);
        if (state.error.is_error) {
          problems.Add(Cat(where, ", context ", context,
                           ": kv_state_bytes failed: ", state.error.ToString()));
          break;
        }
        if (!std::isfinite(state.bytes) || state.bytes < 0) {
          problems.Add(Cat(where, ", context ", context, ": kv_state_bytes = ", Num(state.bytes),
                           " (must be finite and >= 0)"));
        } else if (state.bytes < previous) {
          problems.Add(Cat(where, ": kv_state_bytes falls from ", Num(previous), " to ",
                           Num(state.bytes), " at context ", context));
        }
        previous = state.bytes;
      }
      // A layer that appends nothing per token keeps a constant-size state, and its decode
      // step costs the same at any context (linear attention, a cache reader).
      ic_stage probe = Decode(2, 1000);
      probe.layer = &layer;
      const KvResult per_token = f.variant.KvBytes(&f.shape, &probe);
      if (!per_token.error.is_error && per_token.bytes == 0) {
        ic_stage longer = Decode(2, 100000);
        longer.layer = &layer;
        const KvResult short_state = f.variant.StateBytes(&f.shape, &probe);
        const KvResult long_state = f.variant.StateBytes(&f.shape, &longer);
        if (short_state.bytes != long_state.bytes) {
          problems.Add(Cat(where, ": kv_cache_bytes_per_token is 0, yet the state grows from ",
                           Num(short_state.bytes), " B at context 1000 to ", Num(long_state.bytes),
                           " B at 100000"));
        }
        // (A layer keeping nothing at all may read another layer's cache, which grows.)
        if (short_state.bytes > 0 && Fingerprint(f.variant.Phases(&f.shape, &probe)) !=
                                         Fingerprint(f.variant.Phases(&f.shape, &longer))) {
          problems.Add(Cat(where,
                           ": kv_cache_bytes_per_token is 0 (nothing cached per token), "
                           "yet a decode step costs differently at context 1000 and "
                           "100000"));
        }
      }
    }
  }
  if (classes_seen == 0) problems.Add("classify_layer refused every layer kind tried");
  uint64_t ignored = 0;
  const ic_layer layer{sizeof(ic_layer), 0, 0, 4, ic_string{nullptr, 0}};
  ExpectError("classify_layer(NULL layer)", f.variant.ClassifyLayer(&f.shape, nullptr, &ignored),
              problems);
  ExpectError("classify_layer(NULL out-pointer)",
              f.variant.ClassifyLayer(&f.shape, &layer, nullptr), problems);
  ExpectError("kv_state_bytes(NULL stage)", f.variant.StateBytes(&f.shape, nullptr).error,
              problems);
  problems.FailIfAny();
  return {Status::kPass,
          Cat(classes_seen,
              " layers classified; state finite, >= 0 and non-decreasing over "
              "contexts 1 .. 100000"),
          {}};
}

// Reads a sparse or windowed variant bounds (top-k selection, a sliding window, a constant
// state): in a decode step no layer reads more than the whole model keeps for the sequence
// (here its 4 layers of one kind: a layer may read another's cache, never bytes nobody keeps),
// and a phase whose reads stop growing with context (capped at k tokens, a window) never grows
// again at larger contexts. The context where each cap starts is found and reported, so a
// variant's k or window can be read off. Nothing here knows a plugin or an option by name.
namespace bounded_reads {

constexpr int64_t kLayers = 4;
constexpr int64_t kBatch = 2;

struct LayerUnderTest {
  std::string where;
  ic_layer layer;
};

// Per-sequence decode KV reads of each phase id at `context` (empty on error).
std::map<int, double> ReadsByPhase(const Fixture& f, const ic_layer* layer, int64_t context,
                                   std::string* error) {
  ic_stage stage = Decode(kBatch, context);
  stage.layer = layer;
  const PhasesResult r = f.variant.Phases(&f.shape, &stage);
  std::map<int, double> reads;
  if (r.error.is_error) {
    *error = r.error.ToString();
    return reads;
  }
  for (const ic_phase_cost& cost : r.sink.records) {
    reads[static_cast<int>(cost.phase)] += cost.kv_read_bytes / kBatch;
  }
  return reads;
}

// Bytes one sequence keeps in `layer` at `context`: kv_state_bytes (1.1), else the 1.0 rule
// (kv_cache_bytes_per_token x context).
double StateAt(const Fixture& f, const ic_layer* layer, int64_t context, std::string* error) {
  ic_stage stage = Decode(1, context);
  stage.layer = layer;
  const KvResult kv = layer != nullptr ? f.variant.StateBytes(&f.shape, &stage)
                                       : f.variant.KvBytes(&f.shape, &stage);
  if (kv.error.is_error) {
    *error = kv.error.ToString();
    return 0;
  }
  return layer != nullptr ? kv.bytes : kv.bytes * static_cast<double>(context);
}

}  // namespace bounded_reads

CheckResult BoundedReads(const std::string& path) {
  using namespace bounded_reads;
  Fixture f(path);
  Problems problems;
  std::vector<std::string> caps;
  const bool per_layer = f.variant.HasLayerFunctions();
  const std::vector<const char*> kinds =
      per_layer
          ? std::vector<const char*>{"", "full_attention", "sliding_attention", "linear_attention"}
          : std::vector<const char*>{""};
  int kinds_checked = 0;
  for (const char* kind : kinds) {
    std::vector<LayerUnderTest> layers;
    for (int64_t index = 0; index < kLayers; ++index) {
      const ic_layer layer{sizeof(ic_layer), 0, index, kLayers, ic_string{kind, std::strlen(kind)}};
      uint64_t layer_class = 0;
      if (per_layer && f.variant.ClassifyLayer(&f.shape, &layer, &layer_class).is_error) continue;
      layers.push_back({Cat("layer ", index, " of ", kLayers, ", kind '", kind, "'"), layer});
    }
    if (layers.empty()) continue;  // a kind this variant leaves to another (layers_and_state)
    ++kinds_checked;
    // 1. No layer reads more than the model keeps.
    for (int64_t context : {1, 7, 64, 1000, 4096, 65536}) {
      std::string error;
      double kept = 0;
      for (const LayerUnderTest& l : layers) {
        kept += StateAt(f, per_layer ? &l.layer : nullptr, context, &error);
      }
      for (const LayerUnderTest& l : layers) {
        const std::map<int, double> reads =
            ReadsByPhase(f, per_layer ? &l.layer : nullptr, context, &error);
        double total = 0;
        for (const auto& [phase, bytes] : reads) total += bytes;
        if (!error.empty()) {
          problems.Add(Cat(l.where, ", context ", context, ": ", error));
          break;
        }
        if (total > kept * (1 + 1e-9) + 1e-6) {
          problems.Add(Cat(l.where, ": a decode step at context ", context, " reads ", Num(total),
                           " B of KV/state per sequence, more than the ", kLayers, " layers keep (",
                           Num(kept), " B)"));
        }
      }
    }
    // 2. Reads that stop growing stay capped.
    const LayerUnderTest& l = layers.front();
    const ic_layer* layer = per_layer ? &l.layer : nullptr;
    std::vector<int64_t> contexts;
    for (int64_t c = 16; c <= (int64_t{1} << 18); c *= 2) contexts.push_back(c);
    std::vector<std::map<int, double>> series;
    std::string error;
    for (int64_t c : contexts) series.push_back(ReadsByPhase(f, layer, c, &error));
    if (!error.empty()) {
      problems.Add(Cat(l.where, ": ", error));
      continue;
    }
    for (const auto& [phase, first_value] : series.front()) {
      (void)first_value;
      auto at = [&](size_t i) {
        const auto it = series[i].find(phase);
        return it == series[i].end() ? 0.0 : it->second;
      };
      // The first sample from which two doublings add nothing: capped there.
      size_t cap = series.size();
      for (size_t i = 0; i + 2 < series.size(); ++i) {
        if (at(i) > 0 && at(i) == at(i + 1) && at(i + 1) == at(i + 2)) {
          cap = i;
          break;
        }
      }
      if (cap == series.size()) continue;  // grows with context (or reads nothing)
      bool regrows = false;
      for (size_t i = cap + 1; i < series.size(); ++i) {
        if (at(i) != at(cap)) {
          problems.Add(Cat(l.where, ": ", PhaseName(static_cast<ic_phase_id>(phase)),
                           " reads are capped at ", Num(at(cap)), " B per sequence from context ",
                           contexts[cap], " but read ", Num(at(i)), " B at context ", contexts[i]));
          regrows = true;
          break;
        }
      }
      if (regrows) continue;
      // Where the cap starts: the smallest context with the capped reads (binary search).
      int64_t low = 1;
      int64_t high = contexts[cap];
      std::string search_error;
      const auto flat_from = [&](int64_t c) {
        const std::map<int, double> r = ReadsByPhase(f, layer, c, &search_error);
        const auto it = r.find(phase);
        return it != r.end() && it->second == at(cap);
      };
      const std::string name = Cat(PhaseName(static_cast<ic_phase_id>(phase)),
                                   *kind == '\0' ? "" : Cat(" (", kind, ")"));
      std::string found;
      if (flat_from(low)) {
        found = Cat(name, " constant");
      } else {
        while (high - low > 1 && search_error.empty()) {
          const int64_t mid = low + (high - low) / 2;
          (flat_from(mid) ? high : low) = mid;
        }
        found = Cat(name, " capped from context ", high);
      }
      if (std::find(caps.begin(), caps.end(), found) == caps.end()) caps.push_back(found);
    }
  }
  if (kinds_checked == 0) Skip("classify_layer refused every layer kind tried");
  problems.FailIfAny();
  std::string found;
  for (const std::string& c : caps) found += (found.empty() ? "" : ", ") + c;
  return {Status::kPass,
          Cat("no decode step reads more than the model keeps (contexts 1 .. 65536); ",
              caps.empty() ? std::string("every read grows with context")
                           : Cat("bounded reads stay bounded to context 262144: ", found)),
          {}};
}

}  // namespace

std::vector<CheckSpec> VariantChecks() {
  return {
      {"versions.input_structs",
       "v1.0-sized inputs and a newer caller's bigger structs give identical results",
       InputStructs},
      {"versions.output_structs", "outputs are written within their bounds", OutputStructs},
      {"lifecycle", "100 initialize/destroy cycles, several live instances, out-of-order destroy",
       [](const std::string& path) { return LifecycleCheck(path, VariantWorkload); }},
      {"errors.null_arguments", "NULL shape/stage/sink/out-pointers return errors", NullArguments},
      {"errors.invalid_stage",
       "zero/negative batch or tokens, context < query tokens, NaN/negative bytes return errors",
       InvalidStage},
      {"errors.invalid_shape", "tensor_parallel not dividing heads, zero heads return errors",
       InvalidShape},
      {"errors.sink_error", "a sink error stops emit_phases and is returned unchanged", SinkError},
      {"invariants.costs_valid", "every record and KV size finite and >= 0", CostsValid},
      {"invariants.phase_ids", "only attention-section phase ids", PhaseIds},
      {"invariants.deterministic", "same inputs, same results (bit for bit)", Deterministic},
      {"invariants.monotone_context", "costs non-decreasing in context", MonotoneContext},
      {"invariants.monotone_batch", "costs non-decreasing in batch", MonotoneBatch},
      {"invariants.decode_breaks",
       "declared decode breaks (ABI 1.4): affine between them, equal jumps along a staircase",
       DecodeBreaksTrue},
      {"invariants.gqa_kv_bytes",
       "sharing K/V heads (num_kv_heads = heads / 8) never increases KV bytes per token",
       GqaKvBytes},
      {"invariants.bounded_reads",
       "no decode step reads more than the model keeps; capped reads (top-k, window) stay capped",
       BoundedReads},
      {"invariants.layers_and_state",
       "ABI 1.1: classify_layer is deterministic (clean refusals allowed); kv_state_bytes "
       "finite, >= 0, non-decreasing in context, constant (and decode flat) when nothing is "
       "cached per token",
       LayersAndState},
      {"invariants.tensor_parallel_weights",
       "ABI 1.2: per-GPU params and weight bytes x tp / weight_copies are the same at every "
       "tensor-parallel degree",
       TensorParallelWeights},
      {"thread_safety", "concurrent calls on one instance match serial ones (if declared)",
       [](const std::string& path) { return ThreadSafetyCheck(path, VariantWorkload); }},
  };
}

}  // namespace infercost::conformance
