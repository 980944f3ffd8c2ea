#include "validation/aic_parallelism.h"

#include <charconv>
#include <optional>
#include <tuple>
#include <utility>

namespace infercost::validation {
namespace {

// Reads a positive number at the front of `text` and drops it; nullopt if there is none.
std::optional<int64_t> TakeNumber(std::string_view* text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || value <= 0) return std::nullopt;
  text->remove_prefix(static_cast<size_t>(end - text->data()));
  return value;
}

// Drops `prefix` from the front of `text` if it is there.
bool Take(std::string_view* text, std::string_view prefix) {
  if (!text->starts_with(prefix)) return false;
  text->remove_prefix(prefix.size());
  return true;
}

// The launch the id names, {N, M} of "_tp<N>[_0]_ep<M>[_0]" ("epnone": M = 1); nullopt if none.
std::optional<std::pair<int64_t, int64_t>> LaunchInId(std::string_view id) {
  for (size_t at = id.find("_tp"); at != std::string_view::npos; at = id.find("_tp", at + 1)) {
    std::string_view rest = id.substr(at + 3);
    const std::optional<int64_t> tp = TakeNumber(&rest);
    if (!tp) continue;
    Take(&rest, "_0");
    if (!Take(&rest, "_ep")) continue;
    if (Take(&rest, "none")) return std::pair<int64_t, int64_t>{*tp, 1};
    if (const std::optional<int64_t> ep = TakeNumber(&rest)) return std::pair{*tp, *ep};
  }
  return std::nullopt;
}

}  // namespace

AicParallelism RunParallelism(std::string_view id, const AicParallelism& written) {
  if (written.tp <= 0 || written.attention_dp <= 0 || written.moe_tp <= 0 || written.moe_ep <= 0) {
    return written;  // not a run's sizes: the caller refuses them
  }
  const int64_t gpus = written.tp * written.attention_dp;
  int64_t n = 0, m = 0;
  if (const auto launch = LaunchInId(id)) {
    std::tie(n, m) = *launch;
  } else if (written.moe_tp > 1 && written.moe_tp == written.moe_ep &&
             gpus == written.moe_tp * written.moe_ep) {
    n = m = written.moe_tp;
  } else if (written.tp > 1 && written.tp == written.attention_dp && written.moe_tp == 1 &&
             written.moe_ep == gpus) {
    n = m = written.tp;
  }
  if (n <= 0 || m <= 1 || gpus == n || gpus != n * m || n % m != 0) return written;
  AicParallelism run = written;
  if (written.attention_dp == 1) {
    run.tp = n;
  } else if (written.tp == 1) {
    run.attention_dp = n;
  } else {
    run.attention_dp = 1;  // vLLM: TP N, its experts over the same N GPUs
    run.tp = n;
  }
  run.moe_ep = m;
  run.moe_tp = n / m;
  return run;
}

}  // namespace infercost::validation
