// `infercost search`: the best deployment of a model for a workload, under latency targets and a
// budget. It enumerates every candidate (devices x GPU counts x TP/PP/DP/EP layouts x weight and
// KV dtypes x engines x modes), prunes only what cannot win (over the GPU or $/hour budget, a
// layout that does not split the model), evaluates the rest on all cores
// (framework::EstimateBatch), and reports the best feasible configuration per objective ($ per
// million output tokens, tokens/s per GPU, tokens/s per user) and the Pareto frontier of tokens/s
// per GPU against tokens/s per user; table, JSON or CSV, and `--plot FILE.svg`.
//
//   infercost search --model llama-3-70b --hardware h100-sxm,b200 --gpus 1,2,4,8
//                    --engine vllm --concurrency 32 --max-tpot 0.05 --max-usd-per-hour 40
#ifndef INFERCOST_APPS_INFERCOST_SEARCH_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_SEARCH_COMMAND_H_

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apps/infercost/session.h"
#include "framework/estimate.h"
#include "framework/scenario.h"

namespace infercost::cli {

struct SearchFlags {
  std::string model = "llama-3-70b";
  int64_t input_tokens = 500, output_tokens = 500;
  std::string workload;  // CSV of request lengths (input_tokens, output_tokens columns)
  bool allow_beyond_context = false;  // lengths beyond the model's trained context
  // The attention plugins and options of every candidate (variant: empty for the model's own).
  std::string attention_variant, attention_kernel = "flash";
  std::vector<std::string> variant_options;
  int64_t concurrency = 1;
  double request_rate = 0;
  int64_t max_batched_tokens = 0;  // the deployment's token budget per step (0: each engine's)
  // Speculative decoding every candidate runs (framework/speculation.h; 0 drafted: none).
  int64_t speculative_tokens = 0;
  std::vector<double> acceptance;
  int64_t draft_layers = 1;
  // SLOs (0: none).
  double max_ttft_s = 0, max_tpot_s = 0, min_tokens_per_s_per_user = 0;
  // Budget (0: none).
  int64_t max_gpus = 0;
  double max_usd_per_hour = 0;
  // Candidates (empty: every device preset with a price / the defaults).
  std::vector<std::string> hardware, engines, weights, kv, modes;
  std::vector<int64_t> gpus, tp, pp, dp, ep;
  std::string plot;  // --plot FILE.svg
  int threads = 0;
  // What a host embedding the search (infercost serve) sets, not flags: a progress bar on stderr
  // past a second; a limit on the time the evaluations may take (0: none) and a flag that stops
  // them (checked between chunks of candidates): either ends the search with an error saying
  // how far it got.
  bool progress = true;
  double time_limit_s = 0;
  const std::atomic<bool>* stop = nullptr;
};

void AddSearchFlags(CLI::App& command, SearchFlags& flags);

// One evaluated candidate.
struct Candidate {
  framework::ScenarioRequest request;
  bool evaluated = false;
  std::string error;  // why it could not be evaluated (invalid layout, ...)
  framework::Summary summary;
  bool feasible = false;
  std::string why_infeasible;
  double usd_per_hour = 0;
  double usd_per_million_tokens = 0;  // output tokens: every GPU-second, prompts included
};

// The most configurations one search enumerates (it keeps each with its summary); more is an
// error that says how to narrow them.
inline constexpr int64_t kMostSearchCandidates = 200000;

// The candidates' requests (before pruning), in a fixed order; each list's repeated values once.
std::vector<framework::ScenarioRequest> EnumerateCandidates(const SearchFlags& flags,
                                                            const registry::Presets& presets);

// Indices of the feasible candidates no other feasible one dominates in (tokens/s per GPU,
// tokens/s per user): none is at least as good in both and better in one. Sorted by tokens/s per
// user.
std::vector<size_t> ParetoFrontier(const std::vector<Candidate>& candidates);

struct SearchResult {
  SearchFlags flags;  // as searched (a --workload's means in input/output tokens)
  std::string workload_note;
  std::vector<Candidate> candidates;  // every one not pruned, in enumeration order
  std::vector<size_t> frontier;       // ParetoFrontier(candidates)
  struct Objective {
    const char* name;
    std::optional<size_t> best;  // index into candidates; none when nothing is feasible
  };
  Objective objectives[3] = {{"lowest $ per million output tokens", std::nullopt},
                             {"most tokens/s per GPU", std::nullopt},
                             {"most tokens/s per user", std::nullopt}};
  int64_t configurations = 0, pruned = 0, invalid = 0, feasible = 0;
  // Why the `invalid` candidates could not be evaluated: each reason with its count.
  std::map<std::string, int64_t> invalid_reasons;
  // Of the configurations pruned (over the budget, not kept): the fewest GPUs one occupies and
  // the least $/hour one costs (where pruned > 0).
  int64_t fewest_gpus_pruned = 0;
  double cheapest_usd_per_hour_pruned = 0;
};

// Where no candidate is feasible, what rules them out: per constraint (memory at the
// concurrency, each SLO, the budget) how many candidates fail it, and the candidate nearest to
// meeting it, with its value; nearest among those that fail that constraint alone where any
// does (relaxing the constraint to `nearest_value` makes that one feasible: `alone` is true),
// else among every candidate evaluated (that fits in memory, for an SLO).
struct BindingConstraint {
  std::string constraint;     // e.g. "--max-tpot 0.001 s"
  int64_t rules_out = 0;      // candidates failing it (for the budget: those pruned)
  std::string nearest;        // the nearest candidate's configuration ("" when none)
  std::string nearest_value;  // e.g. "TPOT 0.00312 s"
  bool alone = false;
};
std::vector<BindingConstraint> WhyNoneFeasible(const SearchResult& result);

// Enumerates, prunes, evaluates and ranks (no output).
absl::StatusOr<SearchResult> Search(const SearchFlags& flags, const registry::Presets& presets,
                                    const framework::PluginSet& plugins);

// `infercost search --format json`'s text (what the web API's /api/v1/search returns too).
std::string SearchJson(const SearchResult& result);

int RunSearch(Session& session, const SearchFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SEARCH_COMMAND_H_
