#include "framework/serving/serving_model.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/scenario_steps.h"
#include "framework/serving/arrivals.h"
#include "framework/serving/occupancy_rate.h"
#include "framework/serving/serving_path.h"
#include "framework/serving/step_parts.h"

namespace infercost::framework {
namespace {

// The most sequence steps (each step's sequences, summed over its steps; a run of steps taken
// at once counts its sequences once, the work it does) one run simulates: a bound that keeps a
// run finite, not fast. Steps where only the answers grow are taken many at once
// (jump_decode_steps below), so a run reaches it only where the steps keep changing (a single
// running sequence of 16.7 M output tokens at 10^6 requests/s took 14 s step by step on the
// 2-core development VM, 0.03 s with the jumps); 1,024 clients of 8,192 output tokens ask for
// 6 x 8,200 steps of 1,024 sequences, ~50 M (wanted_steps below).
constexpr int64_t kMostSequenceSteps = 200'000'000;

// Desynchronised clients' rate: found to within 2 % of the occupancy (|log ratio| <= 0.02).
constexpr double kOccupancyTolerance = 0.02;
// ... each try at least this many arrivals, and the measured ones kDesynchronisedInServerMultiple
// times those in the server at once (the closed loop's own runs measure two client cycles).
constexpr int64_t kLeastDesynchronisedRequests = 100;
constexpr double kDesynchronisedInServerMultiple = 5;

struct Request {
  int64_t prompt = 0;       // its prompt's tokens
  int64_t output = 0;       // its answer's tokens
  int64_t prompt_left = 0;  // prompt tokens not yet prefilled
  int64_t generated = 0;    // token steps so far (the first token comes with the last chunk;
                            // then one per decode step, E tokens with speculative decoding)
  double arrival = 0;       // sent by the client
  double first_token = 0;
};

}  // namespace

int64_t ContextBucket(double context) {
  const double width =
      std::max(64.0, std::exp2(std::floor(std::log2(std::max(context, 1.0)))) / 32);
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(context / width) * width));
}

int64_t StepsInFirstContextBucket(double context_sum, int64_t sequences, int64_t most,
                                  double growth) {
  // (integers below 2^53 in a double: the sums are exact, as a step-by-step run sums them)
  const auto bucket_of = [&](int64_t i) {
    return ContextBucket((context_sum + static_cast<double>((i - 1) * sequences) * growth) /
                         static_cast<double>(sequences));
  };
  const int64_t first = bucket_of(1);
  if (bucket_of(most) == first) return most;
  int64_t same = 1, other = most;  // bucket_of(same) == first != bucket_of(other)
  while (other - same > 1) {
    const int64_t middle = same + (other - same) / 2;
    (bucket_of(middle) == first ? same : other) = middle;
  }
  return same;
}

namespace {

// One run of the server: closed loop (`requests` 0), or `requests` open-loop arrivals.
// `burst` (closed loop): every client's first request sent at once to the idle server, the run
// ended when each has its first token; ttft_s is their mean (0 where the step limit came first;
// the rest of the state is not set).
absl::StatusOr<ServingState> SimulateRun(StepParts& parts, const Scenario& s, int64_t max_running,
                                         int64_t requests, bool burst = false) {
  // Closed loop: `clients` clients, the first cycle left out of the means. Open loop
  // (--request-rate): Poisson arrivals at this replica's share of the rate, the first quarter
  // left out.
  const bool open_loop = requests > 0;
  const std::vector<double> arrivals =
      open_loop ? PoissonArrivals(s.request_rate / static_cast<double>(s.layout.data), requests)
                : std::vector<double>{};
  const int64_t clients = open_loop ? requests / 4 : ReplicaBatch(s, s.concurrency);
  OpenLoopMeter meter(arrivals, clients);
  const int64_t isl = s.input_tokens;
  const int64_t osl = s.output_tokens;
  // A request's token steps (StepParts::TokenSteps: its first token, then its decode steps) and
  // its context after g of them (StepParts::ContextAfter). Each request's lengths: isl and osl, or
  // drawn (--length-range-ratio).
  RequestLengths lengths(isl, osl, s.length_range_ratio);
  const double growth = s.speculation.tokens_per_step;
  const auto context_of = [&](const Request& r) {
    return parts.ContextAfter(r.prompt, r.generated, r.output);
  };
  const int64_t budget = s.engine.max_batched_tokens > 0
                             ? s.engine.max_batched_tokens
                             : std::numeric_limits<int64_t>::max() / 4;  // whole prompts
  const bool prefill_first = s.engine.serving_schedule == "prefill_first";
  const int64_t capacity = std::max<int64_t>(1, max_running);

  // Run the start-up cycle and two more, within a step limit and a limit on the work that keep
  // any scenario to about a second: each step touches every sequence in it, so the steps left
  // shrink as the running sequences grow.
  const int64_t target_completions =  // after the start-up cycle
      open_loop ? requests - clients : 2 * clients;
  // The most sequences one step holds (for messages).
  const int64_t per_step = std::max<int64_t>(1, std::min(open_loop ? capacity : clients, capacity));
  // (Closed loop: three cycles of every client, each as many waves of decode steps as memory
  // splits the clients into, plus their prompts' chunks, twice over for slack. Open loop: every
  // request may run alone, one after another, at a low rate.)
  const int64_t waves = (clients + capacity - 1) / capacity;
  const int64_t prompt_steps = (clients * isl + budget - 1) / budget;
  const int64_t wanted_steps =
      open_loop ? requests * (osl + 8) : 6 * (waves * (osl + 8) + prompt_steps);
  const int64_t max_steps = std::max<int64_t>(20'000, wanted_steps);
  // (At most kMostSequenceSteps sequence steps: 100,000 running get 2,000 steps, and a run that
  // completes nothing in them is an error, not minutes of simulation; a few sequences at a time,
  // as a lightly loaded open-loop server runs, get every step they need.)
  int64_t sequence_steps = 0;

  // Requests sent but not yet at the scheduler (the deployment's serving path after their
  // arrival), the earliest first; then the queue the scheduler takes prompts from.
  ServingPath<Request> sent(s.engine.ServingPathSeconds());
  // A client's cycle, about (closed loop after the burst): its serving path, its prompt's prefill
  // alone and the decode steps of the full batch.
  double cycle_s = 0;
  if (!open_loop && !burst) {
    ASSIGN_OR_RETURN(const double request_s, parts.RequestTimeAtFullBatch(clients));
    cycle_s = s.engine.ServingPathSeconds() + request_s;
  }
  const auto send = [&](double at) {
    const RequestLengths::Drawn drawn = lengths.Next();
    sent.Send(at, Request{.prompt = drawn.prompt,
                          .output = drawn.output,
                          .prompt_left = drawn.prompt,
                          .arrival = at});
  };
  std::deque<Request> waiting;
  if (open_loop) {
    for (double at : arrivals) send(at);
  } else if (burst) {
    for (int64_t i = 0; i < clients; ++i) send(0);
  } else {
    // The clients' first requests spread evenly over a client's cycle in the full server: a
    // benchmark starts them together, but their requests reach the engine a few milliseconds
    // apart (HTTP, tokenisation) and fall on different sides of a step boundary, and once split
    // nothing brings them together again, so what it measures after its first requests is
    // desynchronised clients (measured TTFTs barely move from 4 to 8 clients: one prompt's
    // prefill each, not a synchronised wave of them; docs/calibration.md).
    for (int64_t i = 0; i < clients; ++i) {
      send(cycle_s * static_cast<double>(i) / static_cast<double>(clients));
    }
  }
  std::vector<Request> running;
  // Attention data parallelism with balancing (Engine::attention_dp_balance_steps): a prompt
  // reaching this rank's idle queue is held until every other rank has a prompt waiting too, or
  // for that many steps, whichever comes first, unless nothing runs on this rank. The other ranks
  // are not simulated: each receives requests at this rank's rate, so all of the other d - 1 have
  // one after H(d - 1) mean gaps between a rank's arrivals (the expected largest of d - 1
  // exponential waits; H the harmonic number). Released, the waiting prompts go as the budget
  // takes them (the other ranks' leftovers wait too, so none is held again). The burst gives
  // every rank its prompts at once: no hold.
  const int64_t hold_steps =
      burst || s.layout.data <= 1
          ? 0
          : static_cast<int64_t>(std::llround(s.engine.attention_dp_balance_steps));
  double cover_s = std::numeric_limits<double>::infinity();  // until every rank has a prompt
  if (hold_steps > 0) {
    double harmonic = 0;
    for (int64_t k = 1; k < s.layout.data; ++k) harmonic += 1.0 / static_cast<double>(k);
    const double rank_rate = open_loop ? s.request_rate / static_cast<double>(s.layout.data)
                                       : static_cast<double>(clients) / cycle_s;
    cover_s = harmonic / rank_rate;
  }
  // Engine::scheduler_recv_interval: decode-only steps since the scheduler last took the requests
  // that reached it (a step with prompt tokens counts as the whole interval, as SGLang's
  // SchedulerRecvSkipper weighs a prefill).
  const int64_t recv_interval =
      std::max<int64_t>(1, std::llround(s.engine.scheduler_recv_interval));
  int64_t recv_counter = recv_interval;
  // Engine::batch_wait_timeout_steps / batch_wait_max_tokens_ratio (TensorRT-LLM's batch
  // waiting, not with attention data parallelism): steps in a row the prompts a step would take
  // have been held back so far.
  const int64_t batch_wait_steps =
      s.layout.data > 1 || !(s.engine.batch_wait_max_tokens_ratio > 0)
          ? 0
          : static_cast<int64_t>(std::llround(s.engine.batch_wait_timeout_steps));
  const double batch_wait_tokens =
      s.engine.batch_wait_max_tokens_ratio * static_cast<double>(budget);
  int64_t batch_waited = 0;
  int64_t held_for = 0;   // steps the waiting prompts have been held so far
  double held_since = 0;  // when the hold began
  bool released = false;  // the hold is over until the queue empties
  double now = 0;
  const auto prompts_held = [&] {
    return hold_steps > 0 && !released && !running.empty() && held_for < hold_steps &&
           now - held_since < cover_s;
  };
  ServingState st;
  double ttft_sum = 0, tpot_sum = 0, latency_sum = 0;
  double first_cycle_end = 0;  // when the first `clients` requests have completed
  int64_t finished = 0;
  int64_t tpots = 0;  // of the completed: those with a TPOT
  double all_ttft_sum = 0, all_tpot_sum = 0, all_latency_sum = 0;  // start-up cycle included
  int64_t all_tpots = 0;
  double first_tokens_ttft_sum = 0;  // the TTFTs of the requests with a first token so far
  int64_t first_tokens = 0;
  // Step statistics over the whole run and after the start-up cycle.
  struct Totals {
    double time = 0, decode_weighted = 0, waiting_weighted = 0, prompt_tokens = 0;
    double prefill_time = 0;
    int64_t steps = 0, mixed_steps = 0;
  };
  Totals whole_run, steady;

  auto complete = [&](const Request& r) {
    meter.Completed(now);
    const double ttft = r.first_token - r.arrival;
    const std::optional<double> request_tpot = RequestTpot(r.first_token, now, r.output);
    const bool has_tpot = request_tpot.has_value();
    const double tpot = request_tpot.value_or(0);
    ++finished;
    all_ttft_sum += ttft;
    all_latency_sum += now - r.arrival;
    all_tpot_sum += tpot;
    all_tpots += has_tpot ? 1 : 0;
    if (finished == clients) first_cycle_end = now;
    if (finished > clients) {  // the start-up cycle is left out of the means
      ttft_sum += ttft;
      latency_sum += now - r.arrival;
      tpot_sum += tpot;
      tpots += has_tpot ? 1 : 0;
      ++st.completed;
    }
    if (!open_loop) send(now);  // the client's next request
  };

  // The prompt chunks a step takes (each waiting request's next chunk, first come first served,
  // within `room` tokens of the budget and the sequence slots), unless held back.
  struct Chunk {
    size_t request;  // index into `waiting`
    int64_t query;
    int64_t context;
  };
  const auto admit = [&](int64_t room, size_t eligible) {
    std::vector<Chunk> chunks;
    int64_t admitted = static_cast<int64_t>(running.size());
    for (size_t i = 0; i < eligible && room > 0 && admitted < capacity; ++i) {
      const Request& r = waiting[i];
      // Without chunked prefill a prompt goes whole or waits (first come, first served), but
      // one longer than the budget left goes alone rather than never.
      if (!s.engine.chunked_prefill && r.prompt_left > room && !chunks.empty()) break;
      const int64_t query =
          s.engine.chunked_prefill ? std::min(r.prompt_left, room) : r.prompt_left;
      chunks.push_back({i, query, r.prompt - r.prompt_left + query});
      room -= query;
      ++admitted;
    }
    return chunks;
  };
  // Batch waiting holds `chunks` back: sequences are decoding, the hold has lasted fewer than
  // batch_wait_steps steps, and the step's tokens (the chunks' requests' whole prompts, as
  // TensorRT-LLM counts a context request, and each decoding sequence's token with its drafts)
  // fall short of batch_wait_tokens.
  const auto batch_wait_holds = [&](const std::vector<Chunk>& chunks) {
    if (batch_wait_steps == 0 || chunks.empty() || running.empty() ||
        batch_waited >= batch_wait_steps) {
      return false;
    }
    double tokens = static_cast<double>(running.size() * (1 + s.speculation.tokens));
    for (const Chunk& c : chunks) tokens += static_cast<double>(waiting[c.request].prompt);
    return tokens < batch_wait_tokens;
  };

  // Decode-only steps (no prompt chunk) until the next event: a completion, a request
  // reaching the scheduler, the mean context crossing into another bucket, or a limit of the run.
  // Each such step has the same time and effects but one more token per sequence, so k of them
  // are taken as one (what k steps one by one would add, up to rounding): an answer of
  // 16.7 M tokens at one sequence is ~2,000 jumps, not 16.7 M steps (--output-tokens 16000000
  // --request-rate 1e6: 14 s before, measured on the development VM).
  const auto jump_decode_steps = [&]() -> absl::StatusOr<bool> {
    if (running.empty()) return false;
    const int64_t n = static_cast<int64_t>(running.size());
    // No prompt chunk in the step: none waiting, or none admitted (every sequence slot taken, or
    // the token budget spent on the decodes; a prefill-first schedule pauses the decodes for a
    // waiting prompt only where it has a slot).
    const bool held = !waiting.empty() && prompts_held();
    // (or batch waiting holds the chunks a step would take back)
    bool batch_held = false;
    if (!waiting.empty() && !held && n < capacity && (prefill_first || budget - n > 0)) {
      if (!batch_wait_holds(admit(prefill_first ? budget : budget - n, waiting.size()))) {
        return false;
      }
      batch_held = true;
    }
    int64_t fewest_left = std::numeric_limits<int64_t>::max();
    double context_sum = 0;
    for (const Request& r : running) {
      fewest_left = std::min(fewest_left, parts.TokenSteps(r.output) - r.generated);
      context_sum += context_of(r);
    }
    // Steps with no completion (the one that completes a request is taken one by one), within
    // the run's step limit.
    int64_t k = std::min(fewest_left - 1, max_steps - st.steps);
    if (held) k = std::min(k, hold_steps - held_for);  // up to the step that releases them
    if (batch_held) k = std::min(k, batch_wait_steps - batch_waited);
    if (k < 2) return false;
    // Step i's mean context is (context_sum + (i - 1) n) / n, as the step-by-step loop sums it.
    const int64_t context = ContextBucket(context_sum / static_cast<double>(n));
    k = StepsInFirstContextBucket(context_sum, n, k, growth);
    if (k < 2) return false;
    ASSIGN_OR_RETURN(const double step, parts.StepTime(n, context, 0, 0, n, n));
    if (!(step > 0) || !std::isfinite(step)) {
      return absl::InternalError(fmt::format("serving simulation: step time {} s", step));
    }
    // The hold's end by time: its last step starts before it.
    if (held) {
      const double until = (held_since + cover_s - now) / step;
      if (until < static_cast<double>(k)) k = static_cast<int64_t>(std::ceil(until));
    }
    if (k < 2) return false;
    // Every step starts before the next request reaches the scheduler (step i starts at
    // now + (i - 1) step; one step of margin against rounding).
    if (!sent.empty()) {
      const double until = (sent.NextAt() - now) / step;
      if (until < static_cast<double>(k)) k = static_cast<int64_t>(std::floor(until));
    }
    // ... and, where the scheduler takes requests every recv_interval steps, not past the next
    // time it takes them while any is on its way.
    if (recv_interval > 1 && !sent.empty()) k = std::min(k, recv_interval - recv_counter);
    if (k < 2) return false;
    const double steps = static_cast<double>(k);
    for (Totals* totals : {&whole_run, &steady}) {
      if (totals == &steady && finished < clients) continue;
      totals->time += steps * step;
      totals->decode_weighted += static_cast<double>(n) * steps * step;
      totals->waiting_weighted += static_cast<double>(waiting.size()) * steps * step;
      totals->steps += k;
    }
    now += steps * step;
    st.steps += k;
    if (held) held_for += k;
    if (batch_held) batch_waited += k;
    // (the scheduler took, and found nothing, every recv_interval of them)
    recv_counter = (recv_counter + k - 1) % recv_interval + 1;
    sequence_steps += n;  // (each sequence touched once)
    for (Request& r : running) r.generated += k;
    return true;
  };

  while (st.completed < target_completions && st.steps < max_steps &&
         sequence_steps < kMostSequenceSteps) {
    // Requests at the scheduler by now join the queue; an idle server waits for the next one.
    if (running.empty() && waiting.empty() && !sent.empty()) {
      now = std::max(now, sent.NextAt());
    }
    const bool queue_was_empty = waiting.empty();
    // (Engine::scheduler_recv_interval: the scheduler takes what reached it every that many
    // decode-only steps, at once after a prompt step or while idle.)
    if (recv_interval <= 1 || recv_counter >= recv_interval ||
        (running.empty() && waiting.empty())) {
      sent.Deliver(now, [&](const Request& r) { waiting.push_back(r); });
      recv_counter = 0;
    }
    if (queue_was_empty && !waiting.empty()) {  // a new hold (attention_dp_balance_steps)
      held_for = 0;
      held_since = now;
      released = false;
    }
    if (running.empty() && waiting.empty()) break;  // every request served
    // --- Steps where nothing but the answers' lengths changes, taken at once.
    ASSIGN_OR_RETURN(const bool jumped, jump_decode_steps());
    if (jumped) continue;
    // --- Build the step.
    // (Held prompts, attention_dp_balance_steps or batch waiting, pause nothing.)
    const bool held = prompts_held();
    const int64_t n = static_cast<int64_t>(running.size());
    bool pause_decodes = prefill_first && !waiting.empty() && !held && n < capacity;
    std::vector<Chunk> chunks =
        admit(pause_decodes ? budget : std::max<int64_t>(budget - n, 0), held ? 0 : waiting.size());
    if (batch_wait_holds(chunks)) {
      chunks.clear();
      pause_decodes = false;
      ++batch_waited;
    } else if (!chunks.empty()) {
      batch_waited = 0;
    }
    const int64_t decoding = pause_decodes ? 0 : n;
    if (decoding == 0 && chunks.empty()) {
      return absl::InternalError("serving simulation: a step with no work (no KV room?)");
    }

    // --- Its time.
    int64_t prompt_tokens = 0;
    int64_t finishing = 0;
    double prompt_core = 0;
    for (const Chunk& c : chunks) {
      prompt_tokens += c.query;
      if (c.context == waiting[c.request].prompt) ++finishing;
      ASSIGN_OR_RETURN(double t, parts.PrefillCore(c.query, c.context));
      prompt_core += t;
    }
    double context_sum = 0;
    for (const Request& r : running) context_sum += context_of(r);
    const int64_t context =
        running.empty() ? isl : ContextBucket(context_sum / static_cast<double>(running.size()));
    const int64_t sequences = decoding + static_cast<int64_t>(chunks.size());
    sequence_steps += std::max<int64_t>(sequences, 1);
    ASSIGN_OR_RETURN(const double step,
                     parts.StepTime(decoding, context, prompt_tokens, prompt_core,
                                    decoding + finishing, sequences));
    if (!(step > 0) || !std::isfinite(step)) {
      return absl::InternalError(fmt::format("serving simulation: step time {} s", step));
    }
    double prefill_time = 0;
    if (!chunks.empty()) {
      ASSIGN_OR_RETURN(const double decode_only,
                       parts.StepTime(decoding, context, 0, 0, decoding, decoding));
      prefill_time = step - decode_only;
    }
    for (Totals* totals : {&whole_run, &steady}) {
      if (totals == &steady && finished < clients) continue;
      totals->time += step;
      totals->decode_weighted += static_cast<double>(decoding) * step;
      totals->waiting_weighted += static_cast<double>(waiting.size() - chunks.size()) * step;
      totals->prompt_tokens += static_cast<double>(prompt_tokens);
      totals->prefill_time += prefill_time;
      ++totals->steps;
      if (!chunks.empty()) ++totals->mixed_steps;
    }
    now += step;
    ++st.steps;
    recv_counter = chunks.empty() ? recv_counter + 1 : recv_interval;
    if (!chunks.empty()) {
      released = true;
    } else if (!waiting.empty()) {
      ++held_for;
    }

    // --- Its effects: one token per decoding sequence, prompt chunks consumed.
    std::vector<Request> still_running;
    still_running.reserve(running.size() + chunks.size());
    for (Request& r : running) {
      if (decoding > 0) ++r.generated;
      if (r.generated >= parts.TokenSteps(r.output)) {
        complete(r);
      } else {
        still_running.push_back(r);
      }
    }
    std::vector<size_t> prefilled;
    for (const Chunk& c : chunks) {
      Request& r = waiting[c.request];
      r.prompt_left -= c.query;
      if (r.prompt_left == 0) {
        r.generated = 1;
        r.first_token = now;
        prefilled.push_back(c.request);
        first_tokens_ttft_sum += now - r.arrival;
        ++first_tokens;
      }
    }
    // Prefilled requests leave the head of the queue (chunks are taken first come first served).
    for (size_t k = 0; k < prefilled.size(); ++k) {
      Request r = waiting.front();
      waiting.pop_front();
      if (r.generated >= parts.TokenSteps(r.output)) {
        complete(r);
      } else {
        still_running.push_back(r);
      }
    }
    running = std::move(still_running);
    if (burst && first_tokens == clients) {
      st.ttft_s = first_tokens_ttft_sum / static_cast<double>(clients);
      return st;
    }
  }
  if (burst) {
    // The step limit came before every client's first token (far more clients than fit): no
    // burst to report (0; the steady TTFT stands for it).
    st.ttft_s = 0;
    return st;
  }
  if (finished == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "serving simulation: no request completed in {} steps ({:.3g} s simulated) with up to "
        "{} sequences in a step, {} prompt and {} output tokens each: more than the simulation "
        "follows; use --mode static, fewer clients (--concurrency) or shorter requests",
        st.steps, now, per_step, isl, osl));
  }
  if (st.completed == 0) {
    // The step limit came first (far more clients than fit, long answers): the means include
    // the start-up cycle.
    st.completed = finished;
    ttft_sum = all_ttft_sum;
    latency_sum = all_latency_sum;
    tpot_sum = all_tpot_sum;
    tpots = all_tpots;
    first_cycle_end = 0;
    steady = whole_run;
  }
  const double completed = static_cast<double>(st.completed);
  st.ttft_s = ttft_sum / completed;
  st.latency_s = latency_sum / completed;
  st.tpot_s =
      tpots > 0 ? tpot_sum / static_cast<double>(tpots) : now / static_cast<double>(st.steps);
  // The completion rate after the start-up cycle.
  st.requests_per_s = open_loop ? meter.ServedPerSecond() : completed / (now - first_cycle_end);
  st.overloaded = open_loop && meter.Overloaded();
  // The step statistics of the whole run where there is no steady state after the start-up
  // cycle: none left (the last requests completed together), or an overloaded server's
  // (it would be the drain of the queue, its prompts all taken before).
  if (steady.steps == 0 || st.overloaded) steady = whole_run;
  const double steps = static_cast<double>(std::max<int64_t>(steady.steps, 1));
  st.decode_batch = steady.decode_weighted / steady.time;
  st.waiting_requests = steady.waiting_weighted / steady.time;
  st.prefill_tokens_per_step = steady.prompt_tokens / steps;
  st.mixed_step_fraction = static_cast<double>(steady.mixed_steps) / steps;
  st.prefill_time_share = steady.prefill_time / steady.time;
  st.open_loop_requests = requests;
  return st;
}

}  // namespace

bool ClientsDesynchronise(const Scenario& s, int64_t clients, int64_t max_running) {
  return s.engine.serving_schedule == "mixed" && s.length_range_ratio >= 1 && clients >= 2 &&
         clients <= max_running;
}

namespace {

// Open-loop arrivals at `rate` a second to one replica, enough of them that the measured window
// is the server's steady state.
absl::StatusOr<ServingState> SimulateOpenLoop(StepParts& parts, const Scenario& s,
                                              int64_t max_running, double rate,
                                              const OpenLoopLength& length = {}) {
  Scenario at_rate = s;
  at_rate.request_rate = rate * static_cast<double>(s.layout.data);
  return RunOpenLoop(
      rate, [&](int64_t requests) { return SimulateRun(parts, at_rate, max_running, requests); },
      length);
}

// Closed-loop clients that do not stay in step (ClientsDesynchronise): open-loop arrivals at the
// rate whose server holds clients - 1 requests on average (framework/serving/occupancy_rate.h),
// searched from the throughput of the same clients simulated one by one.
absl::StatusOr<ServingState> SimulateDesynchronisedClients(StepParts& parts, const Scenario& s,
                                                           int64_t max_running, int64_t clients) {
  // From the simulated clients' throughput: in step or not, their server does about the same
  // work in a cycle.
  ASSIGN_OR_RETURN(const ServingState simulated, SimulateRun(parts, s, max_running, 0));
  const double occupancy = static_cast<double>(clients - 1);
  const double start = simulated.requests_per_s * occupancy / static_cast<double>(clients);
  ASSIGN_OR_RETURN(auto solved,
                   SolveOccupancyRate(occupancy, start, kOccupancyTolerance, [&](double rate) {
                     return SimulateOpenLoop(parts, s, max_running, rate,
                                             {.least = kLeastDesynchronisedRequests,
                                              .in_server_multiple = kDesynchronisedInServerMultiple,
                                              // (a quarter over Little's time in the server
                                              // at the occupancy: one run where the rate is
                                              // near, not two)
                                              .expected_s = 1.25 * occupancy / rate});
                   }));
  ServingState state = std::move(solved.state);
  // The loop's own throughput: every client one request per time in the server.
  state.requests_per_s = static_cast<double>(clients) / state.latency_s;
  state.open_loop_requests = 0;
  state.overloaded = false;
  state.desynchronised = true;
  return state;
}

}  // namespace

absl::StatusOr<ServingState> SimulateServing(const Pipeline& pipeline, const StepTimer& timer,
                                             const Scenario& s, int64_t max_running) {
  StepParts parts(pipeline, timer, s);
  if (!(s.request_rate > 0)) {
    const int64_t clients = ReplicaBatch(s, s.concurrency);
    ServingState state;
    if (ClientsDesynchronise(s, clients, max_running)) {
      ASSIGN_OR_RETURN(state, SimulateDesynchronisedClients(parts, s, max_running, clients));
    } else {
      ASSIGN_OR_RETURN(state, SimulateRun(parts, s, max_running, 0));
    }
    ASSIGN_OR_RETURN(const ServingState burst,
                     SimulateRun(parts, s, max_running, 0, /*burst=*/true));
    state.burst_ttft_s = burst.ttft_s;
    return state;
  }
  return SimulateOpenLoop(parts, s, max_running,
                          s.request_rate / static_cast<double>(s.layout.data));
}

}  // namespace infercost::framework
