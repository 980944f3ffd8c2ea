#include "apps/infercost/sweep_points.h"

#include <memory>
#include <type_traits>

#include "absl/strings/str_replace.h"
#include "framework/batch.h"

namespace infercost::cli {
namespace {

using Request = framework::ScenarioRequest;
using Value = std::variant<int64_t, double, std::optional<double>, std::string>;

// A flag that sets exactly one request field, and that field read and written as a Value.
struct Setter {
  const char* flag;
  Value (*get)(const Request&);
  void (*set)(Request&, const Value&);
};

template <auto Member>
Setter Plain(const char* flag) {
  using T = std::remove_cvref_t<decltype(std::declval<Request&>().*Member)>;
  return {flag, [](const Request& r) { return Value(r.*Member); },
          [](Request& r, const Value& v) { r.*Member = std::get<T>(v); }};
}

template <auto Pool, auto Member>
Setter InPool(const char* flag) {
  return {flag, [](const Request& r) { return Value((r.*Pool).*Member); },
          [](Request& r, const Value& v) { (r.*Pool).*Member = std::get<int64_t>(v); }};
}

template <auto Pool>
void AddPool(std::vector<Setter>& setters, const std::string& prefix) {
  static const std::string flags[] = {prefix + "-workers", prefix + "-gpus", prefix + "-tp",
                                      prefix + "-pp",      prefix + "-dp",   prefix + "-ep",
                                      prefix + "-batch"};
  using P = framework::PoolRequest;
  setters.push_back(InPool<Pool, &P::workers>(flags[0].c_str()));
  setters.push_back(InPool<Pool, &P::gpus>(flags[1].c_str()));
  setters.push_back(InPool<Pool, &P::tp>(flags[2].c_str()));
  setters.push_back(InPool<Pool, &P::pp>(flags[3].c_str()));
  setters.push_back(InPool<Pool, &P::dp>(flags[4].c_str()));
  setters.push_back(InPool<Pool, &P::ep>(flags[5].c_str()));
  setters.push_back(InPool<Pool, &P::max_batch>(flags[6].c_str()));
}

// Every scenario flag (report_command.cc: AddScenarioFlags) that sets one field; the others
// (--variant-option and --acceptance take lists, --allow-beyond-context takes no value) parse
// whole.
const std::vector<Setter>& Setters() {
  static const std::vector<Setter>* setters = [] {
    auto* s = new std::vector<Setter>{
        Plain<&Request::model>("--model"),
        Plain<&Request::hardware>("--hardware"),
        Plain<&Request::engine>("--engine"),
        Plain<&Request::gpus>("--gpus"),
        Plain<&Request::weights>("--weights"),
        Plain<&Request::activations>("--activations"),
        Plain<&Request::kv>("--kv"),
        Plain<&Request::input_tokens>("--input-tokens"),
        Plain<&Request::output_tokens>("--output-tokens"),
        Plain<&Request::concurrency>("--concurrency"),
        Plain<&Request::attention_kernel>("--attention-kernel"),
        Plain<&Request::attention_variant>("--attention-variant"),
        Plain<&Request::matmul_efficiency>("--mfu"),
        Plain<&Request::bandwidth_efficiency>("--bw-efficiency"),
        Plain<&Request::tp>("--tp"),
        Plain<&Request::pp>("--pp"),
        Plain<&Request::dp>("--dp"),
        Plain<&Request::ep>("--ep"),
        Plain<&Request::moe_imbalance>("--moe-imbalance"),
        Plain<&Request::max_batched_tokens>("--max-batched-tokens"),
        Plain<&Request::speculative_tokens>("--speculative-tokens"),
        Plain<&Request::draft_layers>("--draft-layers"),
        Plain<&Request::mla_form>("--mla-form"),
        Plain<&Request::mode>("--mode"),
        Plain<&Request::request_rate>("--request-rate"),
        Plain<&Request::length_range_ratio>("--length-range-ratio"),
    };
    AddPool<&Request::prefill_pool>(*s, "--prefill");
    AddPool<&Request::decode_pool>(*s, "--decode");
    return s;
  }();
  return *setters;
}

int SetterOf(const std::string& flag) {
  const std::vector<Setter>& setters = Setters();
  for (size_t i = 0; i < setters.size(); ++i) {
    if (flag == setters[i].flag) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::string FieldFlag(const std::string& field) {
  return "--" + absl::StrReplaceAll(field, {{"_", "-"}});
}

void AppendFieldArgs(const std::string& field, const std::string& value,
                     std::vector<std::string>& args) {
  std::string flag = FieldFlag(field);
  if (IsScenarioSwitch(flag)) {
    args.push_back(flag + "=" + value);
  } else {
    args.push_back(std::move(flag));
    args.push_back(value);
  }
}

void SweepPointIndex(const SweepPlan& plan, int64_t n, std::vector<size_t>& index) {
  const std::vector<GridField>& grid = plan.grid;
  index.resize(grid.size());
  int64_t rest = n;
  for (size_t f = grid.size(); f-- > 0;) {
    const int64_t size = static_cast<int64_t>(grid[f].second.size());
    index[f] = static_cast<size_t>(rest % size);
    rest /= size;
  }
}

SweepRequests::SweepRequests(const SweepPlan& plan, int threads)
    : plan_(plan), fields_(plan.grid.size()) {
  ScenarioArgsParser parser("sweep");
  absl::StatusOr<Request> base = parser.Parse(plan.base, {});
  if (!base.ok()) return;
  // A point's flags parsed over the base must give what base + point flags give (they do unless
  // a flag accumulates, e.g. a --variant-option both in the base and in the grid): checked with
  // each field's first and last value.
  for (const auto& [field, values] : plan.grid) {
    for (const std::string* value : {&values.front(), &values.back()}) {
      std::vector<std::string> point;
      AppendFieldArgs(field, *value, point);
      std::vector<std::string> all = plan.base;
      all.insert(all.end(), point.begin(), point.end());
      absl::StatusOr<Request> over_base = parser.Parse(point, *base);
      absl::StatusOr<Request> whole = parser.Parse(all, {});
      if (over_base.ok() != whole.ok() || (whole.ok() && !(*over_base == *whole))) return;
    }
  }
  base_ = *std::move(base);
  // Each value of a one-field flag parsed once over the base; kept when setting that field on
  // the base gives exactly what parsing did (so a point's values set in turn give what parsing
  // its flags over the base gives: each flag sets its own field, the last of a repeated one wins).
  std::vector<std::pair<size_t, size_t>> jobs;  // (field, value)
  for (size_t f = 0; f < plan.grid.size(); ++f) {
    fields_[f].setter = SetterOf(FieldFlag(plan.grid[f].first));
    if (fields_[f].setter < 0) continue;
    fields_[f].values.resize(plan.grid[f].second.size());
    for (size_t v = 0; v < plan.grid[f].second.size(); ++v) jobs.emplace_back(f, v);
  }
  framework::ParallelFor(jobs.size(), threads, [&] {
    auto own = std::make_shared<ScenarioArgsParser>("sweep");
    return [this, own, &jobs](size_t j) {
      const auto [f, v] = jobs[j];
      const Setter& setter = Setters()[static_cast<size_t>(fields_[f].setter)];
      std::vector<std::string> args;
      AppendFieldArgs(plan_.grid[f].first, plan_.grid[f].second[v], args);
      absl::StatusOr<Request> parsed = own->Parse(args, *base_);
      if (!parsed.ok()) return;
      Value value = setter.get(*parsed);
      Request set = *base_;
      setter.set(set, value);
      if (set == *parsed) fields_[f].values[v] = std::move(value);
    };
  });
}

absl::Status SweepRequests::Fill(const std::vector<size_t>& index, ScenarioArgsParser& parser,
                                 Request& request) const {
  if (!base_) return ParseWhole(index, parser, request);
  for (size_t f = 0; f < fields_.size(); ++f) {
    if (fields_[f].setter < 0 || !fields_[f].values[index[f]]) {
      return ParseWhole(index, parser, request);
    }
  }
  request = *base_;
  const std::vector<Setter>& setters = Setters();
  for (size_t f = 0; f < fields_.size(); ++f) {
    setters[static_cast<size_t>(fields_[f].setter)].set(request, *fields_[f].values[index[f]]);
  }
  return absl::OkStatus();
}

absl::Status SweepRequests::ParseWhole(const std::vector<size_t>& index, ScenarioArgsParser& parser,
                                       Request& request) const {
  std::vector<std::string> args;
  if (!base_) args = plan_.base;
  for (size_t f = 0; f < index.size(); ++f) {
    AppendFieldArgs(plan_.grid[f].first, plan_.grid[f].second[index[f]], args);
  }
  absl::StatusOr<Request> parsed = parser.Parse(args, base_ ? *base_ : Request{});
  if (!parsed.ok()) return parsed.status();
  request = *std::move(parsed);
  return absl::OkStatus();
}

}  // namespace infercost::cli
