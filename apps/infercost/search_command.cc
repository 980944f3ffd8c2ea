#include "apps/infercost/search_command.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "apps/infercost/output_file.h"
#include "apps/infercost/report_command.h"
#include "fmt/format.h"
#include "framework/batch.h"
#include "framework/money.h"
#include "framework/report/json_text.h"
#include "framework/report/text_table.h"
#include "nlohmann/json.hpp"
#include "validation/csv_table.h"

namespace infercost::cli {
namespace {

using nlohmann::json;

// The divisors of n, ascending (in O(sqrt n): a GPU count may be large).
std::vector<int64_t> Divisors(int64_t n) {
  std::vector<int64_t> low, high;
  for (int64_t d = 1; d <= n / d; ++d) {
    if (n % d != 0) continue;
    low.push_back(d);
    if (d != n / d) high.push_back(n / d);
  }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

// `values` in their first order, each once: a value given twice is one candidate, not two.
template <typename T>
std::vector<T> Distinct(const std::vector<T>& values) {
  std::vector<T> out;
  for (const T& v : values) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

bool Allowed(const std::vector<int64_t>& list, int64_t value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

std::string Describe(const framework::ScenarioRequest& r) {
  return fmt::format("{} x{} tp{} pp{} dp{} ep{} {} w:{} kv:{} {}", r.hardware, r.gpus, r.tp, r.pp,
                     r.dp, r.ep, r.engine, r.weights, r.kv, r.mode);
}

// GPUs a candidate occupies (disagg: both pools, each of --gpus), exactly: its price per hour is
// this count times the device's, the same number before and after it is evaluated.
int64_t CandidateGpus(const framework::ScenarioRequest& r) {
  return r.mode == "disagg" ? 2 * r.gpus : r.gpus;
}

// Whether `usd_per_hour` is over the budget `max_usd_per_hour` (0: none); a price times a GPU
// count that equals the budget in decimal (3.99 x 5 = 19.95) is within it, whatever the last
// bit of its double.
bool OverBudget(double usd_per_hour, double max_usd_per_hour) {
  return max_usd_per_hour > 0 && usd_per_hour > max_usd_per_hour * (1 + 1e-12);
}

// Output tokens a candidate makes per second with every GPU-second it spends counted (the
// prompts' included), so that the cost objective is the same in every mode: a static batch's
// (or its waves') whole time, prefill and every decode step, over its answers' tokens; a server's
// (or disaggregated pools') aggregate rate, which already pays for the prompts.
double GeneratedTokensPerSecond(const Candidate& c) {
  const framework::Summary& s = c.summary;
  if (c.request.mode != "static") return s.tokens_per_s_aggregate;
  return s.e2e_s > 0 ? static_cast<double>(c.request.concurrency) *
                           static_cast<double>(c.request.output_tokens) / s.e2e_s
                     : 0;
}

// What a candidate that was evaluated can fail, as bits.
enum ConstraintBit : uint32_t {
  kMemory = 1u << 0,     // does not fit at the concurrency
  kTtft = 1u << 1,       // --max-ttft
  kTpot = 1u << 2,       // --max-tpot
  kUserRate = 1u << 3,   // --min-tokens-per-s-per-user
  kUsdPerHour = 1u << 4  // --max-usd-per-hour
};
constexpr uint32_t kConstraintBits[] = {kMemory, kTtft, kTpot, kUserRate, kUsdPerHour};

uint32_t FailedConstraints(const Candidate& c, const SearchFlags& flags) {
  const framework::Summary& s = c.summary;
  uint32_t failed = 0;
  if (c.request.mode == "static" ? !s.memory.fits : s.memory.max_concurrency < 1) {
    failed |= kMemory;
  }
  if (flags.max_ttft_s > 0 && s.ttft_s > flags.max_ttft_s) failed |= kTtft;
  if (flags.max_tpot_s > 0 && s.tpot_s > flags.max_tpot_s) failed |= kTpot;
  if (flags.min_tokens_per_s_per_user > 0 &&
      s.tokens_per_s_per_user < flags.min_tokens_per_s_per_user) {
    failed |= kUserRate;
  }
  if (OverBudget(c.usd_per_hour, flags.max_usd_per_hour)) failed |= kUsdPerHour;
  return failed;
}

// One constraint as a candidate stands against it: what the constraint is, the candidate's
// value, why it fails (for the candidate's note), and how near it is to meeting it (smaller is
// nearer).
struct ConstraintView {
  std::string name;     // e.g. "--max-tpot 0.05 s"
  std::string value;    // e.g. "TPOT 0.0312 s"
  std::string failure;  // e.g. "TPOT 0.0312 s > 0.05"
  double distance = 0;
};

ConstraintView ViewOf(uint32_t bit, const Candidate& c, const SearchFlags& flags) {
  const framework::Summary& s = c.summary;
  ConstraintView v;
  switch (bit) {
    case kMemory:
      v.name = flags.request_rate > 0 ? "memory"
                                      : fmt::format("memory at concurrency {}", flags.concurrency);
      v.value = fmt::format("fits {} concurrent requests", s.memory.max_concurrency);
      v.failure = "does not fit in memory";
      v.distance = -static_cast<double>(s.memory.max_concurrency);
      return v;
    case kTtft:
      v.name = fmt::format("--max-ttft {} s", flags.max_ttft_s);
      v.value = fmt::format("TTFT {:.3g} s", s.ttft_s);
      v.failure = fmt::format("{} > {}", v.value, flags.max_ttft_s);
      v.distance = s.ttft_s;
      return v;
    case kTpot:
      v.name = fmt::format("--max-tpot {} s", flags.max_tpot_s);
      v.value = fmt::format("TPOT {:.3g} s", s.tpot_s);
      v.failure = fmt::format("{} > {}", v.value, flags.max_tpot_s);
      v.distance = s.tpot_s;
      return v;
    case kUserRate:
      v.name = fmt::format("--min-tokens-per-s-per-user {}", flags.min_tokens_per_s_per_user);
      v.value = fmt::format("{:.3g} tokens/s per user", s.tokens_per_s_per_user);
      v.failure = fmt::format("{} < {}", v.value, flags.min_tokens_per_s_per_user);
      v.distance = -s.tokens_per_s_per_user;
      return v;
    default:
      v.name = fmt::format("--max-usd-per-hour {}", flags.max_usd_per_hour);
      v.value = fmt::format("${:.2f}/h", c.usd_per_hour);
      v.failure = fmt::format("{} > {}", v.value, flags.max_usd_per_hour);
      v.distance = c.usd_per_hour;
      return v;
  }
}

json CandidateJson(const Candidate& c) {
  const framework::ScenarioRequest& r = c.request;
  json j = {{"hardware", r.hardware},
            {"gpus", r.gpus},
            {"tp", r.tp},
            {"pp", r.pp},
            {"dp", r.dp},
            {"ep", r.ep},
            {"engine", r.engine},
            {"weights", r.weights},
            {"kv", r.kv},
            {"mode", r.mode},
            {"feasible", c.feasible}};
  if (!c.evaluated) {
    j["error"] = c.error;
    return j;
  }
  const framework::Summary& s = c.summary;
  j["ttft_s"] = s.ttft_s;
  j["tpot_s"] = s.tpot_s;
  j["tokens_per_s_per_user"] = s.tokens_per_s_per_user;
  j["tokens_per_s_per_gpu"] = s.tokens_per_s_per_gpu;
  j["tokens_per_s_aggregate"] = s.tokens_per_s_aggregate;
  j["usd_per_hour"] = c.usd_per_hour;
  j["usd_per_million_tokens"] = c.usd_per_million_tokens;
  if (!c.feasible) j["why_infeasible"] = c.why_infeasible;
  return j;
}

// The frontier plot: tokens/s per GPU (y) against tokens/s per user (x); frontier points joined
// and labelled, other feasible points grey, infeasible ones as red crosses.
std::string Svg(const std::vector<Candidate>& candidates, const std::vector<size_t>& frontier) {
  constexpr double kW = 900, kH = 600, kLeft = 80, kBottom = 60, kTop = 40, kRight = 260;
  double max_x = 1, max_y = 1;
  for (const Candidate& c : candidates) {
    if (!c.evaluated) continue;
    max_x = std::max(max_x, c.summary.tokens_per_s_per_user);
    max_y = std::max(max_y, c.summary.tokens_per_s_per_gpu);
  }
  max_x *= 1.05;
  max_y *= 1.05;
  auto x = [&](double v) { return kLeft + v / max_x * (kW - kLeft - kRight); };
  auto y = [&](double v) { return kH - kBottom - v / max_y * (kH - kBottom - kTop); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"{}\" y=\"24\" font-size=\"15\">infercost search: Pareto "
      "frontier</text>\n",
      kW, kH, kLeft);
  svg += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n<line x1=\"{0}\" "
      "y1=\"{1}\" x2=\"{0}\" y2=\"{3}\" stroke=\"black\"/>\n",
      kLeft, kH - kBottom, kW - kRight, kTop);
  for (int i = 0; i <= 5; ++i) {
    const double vx = max_x * i / 5, vy = max_y * i / 5;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:.3g}</text>\n", x(vx),
                       kH - kBottom + 16, vx);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3g}</text>\n", kLeft - 6,
                       y(vy) + 4, vy);
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">tokens/s per user</text>\n<text x=\"18\" "
      "y=\"{}\" transform=\"rotate(-90 18 {})\" text-anchor=\"middle\">tokens/s per GPU</text>\n",
      (kLeft + kW - kRight) / 2, kH - 20, (kTop + kH - kBottom) / 2, (kTop + kH - kBottom) / 2);
  const std::set<size_t> on_frontier(frontier.begin(), frontier.end());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (!c.evaluated || on_frontier.count(i) > 0) continue;
    const double px = x(c.summary.tokens_per_s_per_user), py = y(c.summary.tokens_per_s_per_gpu);
    if (c.feasible) {
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#999\"/>\n", px, py);
    } else {
      svg += fmt::format(
          "<path d=\"M{0:.1f} {1:.1f} l6 6 m0 -6 l-6 6\" transform=\"translate(-3 -3)\" "
          "stroke=\"#d33\" fill=\"none\"><title>{2}</title></path>\n",
          px, py, c.why_infeasible);
    }
  }
  std::string path;
  for (size_t i : frontier) {
    const Candidate& c = candidates[i];
    path += fmt::format("{}{:.1f} {:.1f}", path.empty() ? "M" : " L",
                        x(c.summary.tokens_per_s_per_user), y(c.summary.tokens_per_s_per_gpu));
  }
  if (!path.empty()) {
    svg +=
        fmt::format("<path d=\"{}\" stroke=\"#1f6fd1\" fill=\"none\" stroke-width=\"2\"/>\n", path);
  }
  for (size_t i : frontier) {
    const Candidate& c = candidates[i];
    const double px = x(c.summary.tokens_per_s_per_user), py = y(c.summary.tokens_per_s_per_gpu);
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"#1f6fd1\"/>\n<text x=\"{:.1f}\" "
        "y=\"{:.1f}\">{}</text>\n",
        px, py, px + 7, py - 6, Describe(c.request));
  }
  const double ly = kTop + 10;
  svg += fmt::format(
      "<circle cx=\"{0}\" cy=\"{1}\" r=\"5\" fill=\"#1f6fd1\"/><text x=\"{2}\" y=\"{3}\">Pareto "
      "frontier (feasible)</text>\n<circle cx=\"{0}\" cy=\"{4}\" r=\"3\" fill=\"#999\"/><text "
      "x=\"{2}\" y=\"{5}\">other feasible</text>\n<path d=\"M{6} {7} l6 6 m0 -6 l-6 6\" "
      "stroke=\"#d33\"/><text x=\"{2}\" y=\"{8}\">infeasible (SLO, memory or budget)</text>\n",
      kW - kRight + 20, ly, kW - kRight + 30, ly + 4, ly + 18, ly + 22, kW - kRight + 17, ly + 33,
      ly + 40);
  svg += "</svg>\n";
  return svg;
}

// The reason most candidates share, with their count: "N of them: REASON" (the first such
// reason in order when several tie).
std::string CommonestReason(const std::map<std::string, int64_t>& reasons) {
  const auto commonest =
      std::max_element(reasons.begin(), reasons.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; });
  return commonest == reasons.end()
             ? ""
             : fmt::format("{} of them: {}", commonest->second, commonest->first);
}

}  // namespace

void AddSearchFlags(CLI::App& command, SearchFlags& flags) {
  command.add_option("--model", flags.model, "Model preset")->capture_default_str();
  command.add_option("--input-tokens", flags.input_tokens, "Prompt tokens per request")
      ->capture_default_str();
  command.add_option("--output-tokens", flags.output_tokens, "Generated tokens per request")
      ->capture_default_str();
  command.add_option("--workload", flags.workload,
                     "CSV of request lengths (columns input_tokens, output_tokens): their means "
                     "replace --input-tokens / --output-tokens");
  command.add_flag("--allow-beyond-context", flags.allow_beyond_context,
                   "Evaluate lengths beyond the model's trained context (flagged)");
  AddAttentionPluginFlags(command, flags.attention_variant, flags.variant_options,
                          flags.attention_kernel);
  command.add_option("--concurrency", flags.concurrency, "Clients (sequences) served at once")
      ->capture_default_str();
  command.add_option("--request-rate", flags.request_rate,
                     "Requests per second, open loop (serving / disagg modes)");
  command.add_option("--max-batched-tokens", flags.max_batched_tokens,
                     "Tokens one step may hold, the deployment's setting (e.g. vLLM's "
                     "--max-num-batched-tokens); 0: each engine preset's");
  AddSpeculationFlags(command, flags.speculative_tokens, flags.acceptance, flags.draft_layers);
  command.add_option("--max-ttft", flags.max_ttft_s, "SLO: time to first token, seconds");
  command.add_option("--max-tpot", flags.max_tpot_s, "SLO: time per output token, seconds");
  command.add_option("--min-tokens-per-s-per-user", flags.min_tokens_per_s_per_user,
                     "SLO: tokens per second each user sees");
  command.add_option("--max-gpus", flags.max_gpus, "Budget: GPUs");
  command.add_option("--max-usd-per-hour", flags.max_usd_per_hour, "Budget: $ per hour");
  command.add_option("--hardware", flags.hardware, "Devices (default: every preset with a price)")
      ->delimiter(',');
  command.add_option("--engine", flags.engines, "Engines (default vllm)")->delimiter(',');
  command.add_option("--weights", flags.weights, "Weight dtypes (default bf16,fp8)")
      ->delimiter(',');
  command.add_option("--kv", flags.kv, "KV dtypes (default fp8)")->delimiter(',');
  command.add_option("--mode", flags.modes, "static, serving, disagg (default static)")
      ->delimiter(',');
  command.add_option("--gpus", flags.gpus, "GPU counts (default 1,2,4,8)")->delimiter(',');
  command.add_option("--tp", flags.tp, "TP degrees allowed (default: all that divide)")
      ->delimiter(',');
  command.add_option("--pp", flags.pp, "PP degrees allowed")->delimiter(',');
  command.add_option("--dp", flags.dp, "DP degrees allowed")->delimiter(',');
  command.add_option("--ep", flags.ep, "EP degrees allowed (MoE)")->delimiter(',');
  command.add_option("--plot", flags.plot, "Write the frontier as SVG here");
  command.add_option("--threads", flags.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
}

namespace {

// What a search's candidates range over, each list without repeats.
struct CandidateAxes {
  std::vector<std::string> devices, engines, weights, kv, modes;
  std::vector<int64_t> gpu_counts;
  bool moe = false;
};

CandidateAxes AxesOf(const SearchFlags& flags, const registry::Presets& presets) {
  CandidateAxes axes;
  axes.devices = Distinct(flags.hardware);
  if (axes.devices.empty()) {
    for (const registry::Hardware& h : presets.hardware.items()) {
      if (h.price_usd_per_gpu_hour > 0) axes.devices.push_back(h.name);
    }
  }
  const registry::Model* model = presets.models.FindOrNull(flags.model);
  axes.moe = model != nullptr && model->moe.has_value();
  const auto or_default = [](const std::vector<std::string>& v, std::vector<std::string> d) {
    return v.empty() ? d : Distinct(v);
  };
  axes.engines = or_default(flags.engines, {"vllm"});
  axes.weights = or_default(flags.weights, {"bf16", "fp8"});
  axes.kv = or_default(flags.kv, {"fp8"});
  axes.modes = or_default(flags.modes, {"static"});
  axes.gpu_counts = flags.gpus.empty() ? std::vector<int64_t>{1, 2, 4, 8} : Distinct(flags.gpus);
  return axes;
}

struct Layout {
  int64_t tp = 1, pp = 1, dp = 1, ep = 1;
};

// The layouts of `g` GPUs the flags allow (an MoE model's with each expert parallelism that
// divides its tp x dp).
std::vector<Layout> LayoutsOf(int64_t g, const SearchFlags& flags, bool moe) {
  std::vector<Layout> layouts;
  for (int64_t tp : Divisors(g)) {
    if (!Allowed(flags.tp, tp)) continue;
    for (int64_t pp : Divisors(g / tp)) {
      const int64_t dp = g / tp / pp;
      if (!Allowed(flags.pp, pp) || !Allowed(flags.dp, dp)) continue;
      for (int64_t ep : moe ? Divisors(tp * dp) : std::vector<int64_t>{1}) {
        if (Allowed(flags.ep, ep)) layouts.push_back({tp, pp, dp, ep});
      }
    }
  }
  return layouts;
}

// How many candidates the axes make (saturating: a product past int64 is that), counted before
// any is built.
int64_t CandidateCount(const CandidateAxes& axes, const SearchFlags& flags) {
  int64_t layouts = 0;
  for (int64_t g : axes.gpu_counts) {
    layouts += static_cast<int64_t>(LayoutsOf(g, flags, axes.moe).size());
  }
  int64_t count = layouts;
  for (const size_t n : {axes.devices.size(), axes.engines.size(), axes.weights.size(),
                         axes.kv.size(), axes.modes.size()}) {
    if (__builtin_mul_overflow(count, static_cast<int64_t>(n), &count)) {
      return std::numeric_limits<int64_t>::max();
    }
  }
  return count;
}

std::vector<framework::ScenarioRequest> Enumerate(const CandidateAxes& axes,
                                                  const SearchFlags& flags) {
  std::vector<framework::ScenarioRequest> out;
  for (const std::string& device : axes.devices) {
    for (const std::string& engine : axes.engines) {
      for (const std::string& weights : axes.weights) {
        for (const std::string& kv : axes.kv) {
          for (const std::string& mode : axes.modes) {
            for (int64_t g : axes.gpu_counts) {
              for (const Layout& layout : LayoutsOf(g, flags, axes.moe)) {
                framework::ScenarioRequest r;
                r.model = flags.model;
                r.hardware = device;
                r.engine = engine;
                r.weights = weights;
                r.kv = kv;
                r.mode = mode;
                r.gpus = g;
                r.tp = layout.tp;
                r.pp = layout.pp;
                r.dp = layout.dp;
                r.ep = layout.ep;
                r.input_tokens = flags.input_tokens;
                r.output_tokens = flags.output_tokens;
                r.allow_beyond_context = flags.allow_beyond_context;
                r.attention_variant = flags.attention_variant;
                r.variant_options = flags.variant_options;
                r.attention_kernel = flags.attention_kernel;
                r.concurrency = flags.concurrency;
                r.request_rate = mode == "static" ? 0 : flags.request_rate;
                r.max_batched_tokens = flags.max_batched_tokens;
                r.speculative_tokens = flags.speculative_tokens;
                r.acceptance = flags.acceptance;
                r.draft_layers = flags.draft_layers;
                out.push_back(std::move(r));
              }
            }
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

std::vector<framework::ScenarioRequest> EnumerateCandidates(const SearchFlags& flags,
                                                            const registry::Presets& presets) {
  return Enumerate(AxesOf(flags, presets), flags);
}

std::vector<size_t> ParetoFrontier(const std::vector<Candidate>& candidates) {
  std::vector<size_t> frontier;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& a = candidates[i];
    if (!a.feasible) continue;
    bool dominated = false;
    for (size_t j = 0; j < candidates.size() && !dominated; ++j) {
      const Candidate& b = candidates[j];
      if (j == i || !b.feasible) continue;
      const double bu = b.summary.tokens_per_s_per_user, au = a.summary.tokens_per_s_per_user;
      const double bg = b.summary.tokens_per_s_per_gpu, ag = a.summary.tokens_per_s_per_gpu;
      // Equal points: keep the first.
      dominated = (bu >= au && bg >= ag && (bu > au || bg > ag)) || (bu == au && bg == ag && j < i);
    }
    if (!dominated) frontier.push_back(i);
  }
  std::sort(frontier.begin(), frontier.end(), [&](size_t x, size_t y) {
    return candidates[x].summary.tokens_per_s_per_user <
           candidates[y].summary.tokens_per_s_per_user;
  });
  return frontier;
}

absl::StatusOr<SearchResult> Search(const SearchFlags& input,
                                    const registry::Presets& given_presets,
                                    const framework::PluginSet& plugins) {
  SearchResult result;
  SearchFlags flags = input;
  // --model may name a model file and --hardware a device a hardware plugin describes, as in
  // report, sweep and compare.
  framework::ScenarioRequest model_request;
  model_request.model = flags.model;
  absl::StatusOr<registry::Presets> own_presets =
      PresetsForRequest(given_presets, plugins, model_request);
  if (!own_presets.ok()) return own_presets.status();
  const registry::Presets& presets = *own_presets;
  flags.model = model_request.model;
  // Names are checked up front: a typo must not read as "nothing feasible".
  if (presets.models.FindOrNull(flags.model) == nullptr) {
    return presets.models.Find(flags.model).status();
  }
  for (const std::string& h : flags.hardware) {
    if (presets.hardware.FindOrNull(h) == nullptr) return presets.hardware.Find(h).status();
  }
  for (const std::string& e : flags.engines) {
    if (presets.engines.FindOrNull(e) == nullptr) return presets.engines.Find(e).status();
  }
  if (flags.concurrency < 1 || flags.input_tokens < 1 || flags.output_tokens < 1) {
    return absl::InvalidArgumentError(fmt::format(
        "search: --concurrency ({}), --input-tokens ({}) and --output-tokens ({}) must be >= 1",
        flags.concurrency, flags.input_tokens, flags.output_tokens));
  }
  for (const auto& [name, value] :
       {std::pair<const char*, double>{"--max-ttft", flags.max_ttft_s},
        {"--max-tpot", flags.max_tpot_s},
        {"--min-tokens-per-s-per-user", flags.min_tokens_per_s_per_user},
        {"--max-gpus", static_cast<double>(flags.max_gpus)},
        {"--max-usd-per-hour", flags.max_usd_per_hour},
        {"--request-rate", flags.request_rate}}) {
    if (!(value >= 0 && std::isfinite(value))) {
      return absl::InvalidArgumentError(
          fmt::format("search: {} = {} must be a finite number >= 0 (0: none)", name, value));
    }
  }
  for (const auto& [flag, names] :
       {std::pair<const char*, const std::vector<std::string>*>{"--weights", &flags.weights},
        {"--kv", &flags.kv}}) {
    for (const std::string& name : *names) {
      const absl::StatusOr<registry::DType> dtype =
          names == &flags.weights ? registry::ParseWeightDType(name, registry::Fp4Format::kNvfp4)
                                  : registry::ParseDType(name);
      if (!dtype.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("search: {}: {}", flag, std::string(dtype.status().message())));
      }
    }
  }
  for (const std::string& mode : flags.modes) {
    if (const absl::StatusOr<framework::ServingMode> parsed = framework::ParseServingMode(mode);
        !parsed.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("search: {}", std::string(parsed.status().message())));
    }
  }
  for (const auto& [flag, values] :
       {std::pair<const char*, const std::vector<int64_t>*>{"--gpus", &flags.gpus},
        {"--tp", &flags.tp},
        {"--pp", &flags.pp},
        {"--dp", &flags.dp},
        {"--ep", &flags.ep}}) {
    for (int64_t value : *values) {
      if (value < 1 || value > framework::kMaxGpus) {
        return absl::InvalidArgumentError(fmt::format(
            "search: {} {} is out of range; allowed: 1..{}", flag, value, framework::kMaxGpus));
      }
    }
  }
  std::string& workload_note = result.workload_note;
  if (!flags.workload.empty()) {
    absl::StatusOr<validation::CsvTable> table =
        validation::ReadCsvTable(flags.workload, /*has_header=*/true);
    if (!table.ok()) return (table.status());
    absl::StatusOr<int> in = table->Column("input_tokens");
    absl::StatusOr<int> out = table->Column("output_tokens");
    if (!in.ok()) return (in.status());
    if (!out.ok()) return (out.status());
    double sum_in = 0, sum_out = 0;
    for (const validation::CsvRow& row : table->rows) {
      for (const auto& [column, name] : {std::pair{*in, "input_tokens"}, {*out, "output_tokens"}}) {
        if (row.fields[static_cast<size_t>(column)].empty()) {
          return absl::InvalidArgumentError(fmt::format(
              "{}: {} is empty; every request needs both of its lengths", row.source, name));
        }
      }
      absl::StatusOr<int64_t> i = validation::CsvInt(row, *in, "input_tokens", -1);
      absl::StatusOr<int64_t> o = validation::CsvInt(row, *out, "output_tokens", -1);
      if (!i.ok()) return (i.status());
      if (!o.ok()) return (o.status());
      if (*i < 1 || *o < 1 || *i > framework::kMaxContextTokens ||
          *o > framework::kMaxContextTokens) {
        return (absl::InvalidArgumentError(
            fmt::format("{}: input_tokens {} and output_tokens {} must each be in [1, {}]",
                        row.source, *i, *o, framework::kMaxContextTokens)));
      }
      sum_in += static_cast<double>(*i);
      sum_out += static_cast<double>(*o);
    }
    if (table->rows.empty()) {
      return (absl::InvalidArgumentError(fmt::format("{}: no requests", flags.workload)));
    }
    const double n = static_cast<double>(table->rows.size());
    flags.input_tokens = std::max<int64_t>(1, std::llround(sum_in / n));
    flags.output_tokens = std::max<int64_t>(1, std::llround(sum_out / n));
    workload_note =
        fmt::format("workload {}: {} requests, mean {} in / {} out tokens", flags.workload,
                    table->rows.size(), flags.input_tokens, flags.output_tokens);
  }
  // Counted before any is built: a search holds every candidate and its summary, so a grid
  // past kMostSearchCandidates is refused, not allocated (and a server's time limit starts
  // only once they are built).
  const CandidateAxes axes = AxesOf(flags, presets);
  if (const int64_t count = CandidateCount(axes, flags); count > kMostSearchCandidates) {
    return absl::InvalidArgumentError(fmt::format(
        "search: {} configurations ({} devices x {} engines x {} weight and {} KV dtypes x {} "
        "modes x the layouts of {} GPU counts) are more than a search holds ({}); narrow the "
        "candidates (fewer devices, GPU counts or layouts: --tp/--pp/--dp/--ep), or stream the "
        "grid with `infercost sweep`",
        count == std::numeric_limits<int64_t>::max() ? std::string("more than 2^63")
                                                     : std::to_string(count),
        axes.devices.size(), axes.engines.size(), axes.weights.size(), axes.kv.size(),
        axes.modes.size(), axes.gpu_counts.size(), kMostSearchCandidates));
  }
  const std::vector<framework::ScenarioRequest> all = Enumerate(axes, flags);
  std::vector<Candidate>& candidates = result.candidates;
  int64_t& pruned = result.pruned;
  result.configurations = static_cast<int64_t>(all.size());
  if (result.configurations == 0) {
    return absl::InvalidArgumentError(
        "search: no configuration matches the candidates given: no --tp, --pp, --dp (and --ep) "
        "allowed multiplies to a GPU count of --gpus, or no device (none given and no preset with "
        "a price); widen them");
  }
  for (const framework::ScenarioRequest& r : all) {
    // Pruning that cannot drop a winner: over the budget is infeasible whatever it computes.
    const registry::Hardware* h = presets.hardware.FindOrNull(r.hardware);
    const double price = h != nullptr ? h->price_usd_per_gpu_hour : 0;
    const int64_t gpus = CandidateGpus(r);
    const double usd = price * static_cast<double>(gpus);
    if ((flags.max_gpus > 0 && gpus > flags.max_gpus) || OverBudget(usd, flags.max_usd_per_hour)) {
      const bool first = pruned == 0;
      result.fewest_gpus_pruned = first ? gpus : std::min(result.fewest_gpus_pruned, gpus);
      result.cheapest_usd_per_hour_pruned =
          first ? usd : std::min(result.cheapest_usd_per_hour_pruned, usd);
      ++pruned;
      continue;
    }
    Candidate c;
    c.request = r;
    candidates.push_back(std::move(c));
  }
  // Evaluate in chunks on all cores, with progress on stderr past a second; a host's time limit
  // or stop flag is looked at between chunks (smaller ones where there is one).
  const auto start = std::chrono::steady_clock::now();
  bool progress_shown = false;
  const size_t chunk = flags.time_limit_s > 0 || flags.stop != nullptr ? 8 : 64;
  for (size_t begin = 0; begin < candidates.size(); begin += chunk) {
    const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
    const bool out_of_time = flags.time_limit_s > 0 && spent.count() > flags.time_limit_s;
    if (out_of_time || (flags.stop != nullptr && flags.stop->load())) {
      if (progress_shown) fmt::print(stderr, "\n");
      const std::string done =
          fmt::format("{} of {} configurations evaluated", begin, candidates.size());
      if (!out_of_time) return absl::CancelledError(fmt::format("search: stopped; {}", done));
      // (a busy server runs past its limit too: not the request's fault alone, so not a 400)
      return absl::DeadlineExceededError(fmt::format(
          "search: more than this server's limit of {} s ({}); narrow the candidates (fewer "
          "devices, GPU counts, modes or layouts), or run `infercost search`, which has no limit",
          flags.time_limit_s, done));
    }
    const size_t end = std::min(candidates.size(), begin + chunk);
    std::vector<framework::ScenarioRequest> requests;
    for (size_t i = begin; i < end; ++i) requests.push_back(candidates[i].request);
    std::vector<framework::BatchResult> results =
        framework::EstimateBatch(requests, presets, plugins, flags.threads);
    for (size_t i = begin; i < end; ++i) {
      framework::BatchResult& result = results[i - begin];
      Candidate& c = candidates[i];
      if (!result.status.ok()) {
        c.error = std::string(result.status.message());
        continue;
      }
      c.evaluated = true;
      c.summary = std::move(result.summary);
    }
    if (flags.progress && std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
      const size_t width = 30, done = end * width / candidates.size();
      fmt::print(stderr, "\rsearch [{}{}] {}/{} configurations", std::string(done, '#'),
                 std::string(width - done, '.'), end, candidates.size());
      progress_shown = true;
    }
  }
  if (progress_shown) fmt::print(stderr, "\n");

  // Feasibility: memory, SLOs.
  int64_t& invalid = result.invalid;
  int64_t& feasible = result.feasible;
  for (Candidate& c : candidates) {
    if (!c.evaluated) {
      ++invalid;
      continue;
    }
    const registry::Hardware* h = presets.hardware.FindOrNull(c.request.hardware);
    c.usd_per_hour = (h != nullptr ? h->price_usd_per_gpu_hour : 0) *
                     static_cast<double>(CandidateGpus(c.request));
    c.usd_per_million_tokens = framework::UsdPerMillionTokens(
        framework::UsdPerSecond(c.usd_per_hour, 1), GeneratedTokensPerSecond(c));
    const uint32_t failed = FailedConstraints(c, flags);
    std::vector<std::string> why;
    for (const uint32_t bit : kConstraintBits) {
      if (failed & bit) why.push_back(ViewOf(bit, c, flags).failure);
    }
    c.feasible = why.empty();
    c.why_infeasible = absl::StrJoin(why, "; ");
    feasible += c.feasible ? 1 : 0;
  }
  // Why candidates could not be evaluated, each reason counted: where none could, the search has
  // nothing to say and that is the error, with the commonest reason (e.g. a context beyond the
  // model's, in every one).
  for (const Candidate& c : candidates) {
    if (!c.evaluated) ++result.invalid_reasons[c.error];
  }
  if (!candidates.empty() && invalid == static_cast<int64_t>(candidates.size())) {
    return absl::InvalidArgumentError(
        fmt::format("search: none of the {} configurations could be evaluated; {}",
                    candidates.size(), CommonestReason(result.invalid_reasons)));
  }
  result.frontier = ParetoFrontier(candidates);
  SearchResult::Objective* objectives = result.objectives;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (!c.feasible) continue;
    auto better = [&](int k, const Candidate& other) {
      switch (k) {
        case 0:
          return c.usd_per_million_tokens < other.usd_per_million_tokens;
        case 1:
          return c.summary.tokens_per_s_per_gpu > other.summary.tokens_per_s_per_gpu;
        default:
          return c.summary.tokens_per_s_per_user > other.summary.tokens_per_s_per_user;
      }
    };
    for (int k = 0; k < 3; ++k) {
      if (!objectives[k].best || better(k, candidates[*objectives[k].best])) objectives[k].best = i;
    }
  }
  result.flags = flags;
  return result;
}

std::vector<BindingConstraint> WhyNoneFeasible(const SearchResult& result) {
  std::vector<BindingConstraint> binding;
  if (result.feasible > 0) return binding;
  const SearchFlags& flags = result.flags;
  if (result.pruned > 0) {  // the budget, on the configurations it pruned (not evaluated)
    std::vector<std::string> flags_set;
    if (flags.max_gpus > 0) flags_set.push_back(fmt::format("--max-gpus {}", flags.max_gpus));
    if (flags.max_usd_per_hour > 0) {
      flags_set.push_back(fmt::format("--max-usd-per-hour {}", flags.max_usd_per_hour));
    }
    binding.push_back({absl::StrJoin(flags_set, ", "), result.pruned, "",
                       fmt::format("the fewest GPUs one of them needs: {}; the least: ${:.2f}/h",
                                   result.fewest_gpus_pruned, result.cheapest_usd_per_hour_pruned),
                       false});
  }
  const std::vector<Candidate>& candidates = result.candidates;
  std::vector<uint32_t> failed(candidates.size(), 0);
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].evaluated) failed[i] = FailedConstraints(candidates[i], flags);
  }
  for (const uint32_t bit : kConstraintBits) {
    BindingConstraint b;
    // Nearest among those failing it alone, else among those failing it that fit in memory
    // (an SLO's number is the served one), else among all failing it.
    std::optional<size_t> alone, fitting, any;
    const auto distance = [&](size_t i) { return ViewOf(bit, candidates[i], flags).distance; };
    const auto nearer = [&](std::optional<size_t>& best, size_t i) {
      if (!best || distance(i) < distance(*best)) best = i;
    };
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!candidates[i].evaluated || (failed[i] & bit) == 0) continue;
      ++b.rules_out;
      if (failed[i] == bit) nearer(alone, i);
      if (bit == kMemory || (failed[i] & kMemory) == 0) nearer(fitting, i);
      nearer(any, i);
    }
    if (b.rules_out == 0) continue;
    const size_t nearest = alone ? *alone : fitting ? *fitting : *any;
    const ConstraintView view = ViewOf(bit, candidates[nearest], flags);
    b.constraint = view.name;
    b.nearest = Describe(candidates[nearest].request);
    b.nearest_value = view.value;
    b.alone = alone.has_value();
    binding.push_back(std::move(b));
  }
  return binding;
}

std::string SearchJson(const SearchResult& result) {
  const SearchFlags& flags = result.flags;
  const std::vector<Candidate>& candidates = result.candidates;
  json out = {{"model", flags.model},
              {"input_tokens", flags.input_tokens},
              {"output_tokens", flags.output_tokens},
              {"configurations", static_cast<size_t>(result.configurations)},
              {"pruned", result.pruned},
              {"invalid", result.invalid},
              {"invalid_reasons", result.invalid_reasons},
              {"feasible", result.feasible}};
  json best = json::object();
  for (const SearchResult::Objective& o : result.objectives) {
    best[o.name] = o.best ? CandidateJson(candidates[*o.best]) : json();
  }
  out["best"] = best;
  json front = json::array();
  for (size_t i : result.frontier) front.push_back(CandidateJson(candidates[i]));
  out["frontier"] = front;
  json every = json::array();
  for (const Candidate& c : candidates) every.push_back(CandidateJson(c));
  out["candidates"] = every;
  if (result.feasible == 0) {
    json why = json::array();
    for (const BindingConstraint& b : WhyNoneFeasible(result)) {
      why.push_back({{"constraint", b.constraint},
                     {"rules_out", b.rules_out},
                     {"nearest", b.nearest},
                     {"nearest_value", b.nearest_value},
                     {"fails_it_alone", b.alone}});
    }
    out["none_feasible"] = why;
  }
  return framework::JsonText(out, 2) + "\n";
}

int RunSearch(Session& session, const SearchFlags& input) {
  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  if (!input.plot.empty()) {
    if (absl::Status writable = CheckWritable(input.plot, "search: cannot write --plot");
        !writable.ok()) {
      return ReportError(writable);
    }
  }
  absl::StatusOr<SearchResult> searched = Search(input, **presets, session.Plugins());
  if (!searched.ok()) return ReportError(searched.status());
  const SearchResult& result = *searched;
  const SearchFlags& flags = result.flags;
  const std::vector<Candidate>& candidates = result.candidates;
  const std::vector<size_t>& frontier = result.frontier;
  const SearchResult::Objective* objectives = result.objectives;
  const std::string& workload_note = result.workload_note;
  const int64_t pruned = result.pruned, invalid = result.invalid, feasible = result.feasible;
  const size_t configurations = static_cast<size_t>(result.configurations);
  if (!flags.plot.empty()) {
    std::ofstream svg(flags.plot, std::ios::binary);
    errno = 0;
    svg << Svg(candidates, frontier);
    svg.flush();
    if (!svg) {
      const int why = errno;
      return ReportError(absl::UnavailableError(
          fmt::format("search: cannot write --plot {}{}", flags.plot,
                      why != 0 ? fmt::format(" ({})", std::strerror(why)) : std::string())));
    }
  }
  const std::string not_valid = invalid == 0 ? "0 not valid"
                                             : fmt::format("{} not valid ({})", invalid,
                                                           CommonestReason(result.invalid_reasons));
  const std::string counts = fmt::format(
      "{} configurations: {} pruned (over budget), {}, {} evaluated, {} feasible", configurations,
      pruned, not_valid, candidates.size() - static_cast<size_t>(invalid), feasible);
  const std::string& format = session.flags().format;
  if (format == "json") {
    fmt::print("{}", SearchJson(result));
    return 0;
  }
  if (format == "csv") {
    const std::set<size_t> on_frontier(frontier.begin(), frontier.end());
    fmt::print(
        "hardware,gpus,tp,pp,dp,ep,engine,weights,kv,mode,ttft_s,tpot_s,tokens_per_s_per_user,"
        "tokens_per_s_per_gpu,usd_per_hour,usd_per_million_tokens,feasible,frontier,note\n");
    for (size_t i = 0; i < candidates.size(); ++i) {
      const Candidate& c = candidates[i];
      const framework::ScenarioRequest& r = c.request;
      const std::string note = c.evaluated ? c.why_infeasible : c.error;
      fmt::print("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.hardware, r.gpus,
                 r.tp, r.pp, r.dp, r.ep, r.engine, r.weights, r.kv, r.mode, c.summary.ttft_s,
                 c.summary.tpot_s, c.summary.tokens_per_s_per_user, c.summary.tokens_per_s_per_gpu,
                 c.usd_per_hour, c.usd_per_million_tokens, c.feasible ? 1 : 0,
                 on_frontier.count(i) > 0 ? 1 : 0, framework::CsvField(note));
    }
    return 0;
  }
  fmt::print("search: {}, {} in / {} out tokens, concurrency {}{}\n{}\n", flags.model,
             flags.input_tokens, flags.output_tokens, flags.concurrency,
             workload_note.empty() ? "" : "\n" + workload_note, counts);
  framework::TextTable best(
      {"objective", "configuration", "tok/s/user", "tok/s/GPU", "$/M tok", "TTFT", "TPOT", "$/h"},
      {framework::Align::kLeft, framework::Align::kLeft, framework::Align::kRight,
       framework::Align::kRight, framework::Align::kRight, framework::Align::kRight,
       framework::Align::kRight, framework::Align::kRight});
  auto row = [](const Candidate& c) {
    const framework::Summary& s = c.summary;
    return std::vector<std::string>{Describe(c.request),
                                    fmt::format("{:.1f}", s.tokens_per_s_per_user),
                                    fmt::format("{:.1f}", s.tokens_per_s_per_gpu),
                                    fmt::format("{:.3f}", c.usd_per_million_tokens),
                                    fmt::format("{:.3g} s", s.ttft_s),
                                    fmt::format("{:.3g} s", s.tpot_s),
                                    fmt::format("{:.2f}", c.usd_per_hour)};
  };
  for (int k = 0; k < 3; ++k) {
    const SearchResult::Objective& o = objectives[k];
    std::vector<std::string> cells{o.name};
    if (o.best) {
      for (std::string& cell : row(candidates[*o.best])) cells.push_back(std::move(cell));
    } else {
      cells.push_back("none feasible");
      cells.resize(8, "-");
    }
    best.AddRow(cells);
  }
  fmt::print("\nBEST\n{}", best.Render());
  if (result.feasible == 0) {
    framework::TextTable why({"constraint", "rules out", "nearest to meeting it", "its value"},
                             {framework::Align::kLeft, framework::Align::kRight,
                              framework::Align::kLeft, framework::Align::kLeft});
    for (const BindingConstraint& b : WhyNoneFeasible(result)) {
      why.AddRow({b.constraint, fmt::format("{}", b.rules_out), b.nearest.empty() ? "-" : b.nearest,
                  b.alone ? b.nearest_value + " (fails this one only: relax it to that)"
                          : b.nearest_value});
    }
    fmt::print("\nNONE FEASIBLE: what rules the configurations out\n{}", why.Render());
  }
  framework::TextTable front(
      {"configuration", "tok/s/user", "tok/s/GPU", "$/M tok", "TTFT", "TPOT", "$/h"},
      {framework::Align::kLeft, framework::Align::kRight, framework::Align::kRight,
       framework::Align::kRight, framework::Align::kRight, framework::Align::kRight,
       framework::Align::kRight});
  for (size_t i : frontier) front.AddRow(row(candidates[i]));
  fmt::print("\nPARETO FRONTIER (tokens/s per GPU vs tokens/s per user, feasible)\n{}",
             front.Render());
  if (!flags.plot.empty()) fmt::print("\nplot: {}\n", flags.plot);
  return 0;
}

}  // namespace infercost::cli
