#include "framework/serving/disagg_model.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/scenario_steps.h"
#include "framework/serving/arrivals.h"
#include "framework/serving/serving_model.h"
#include "framework/serving/serving_path.h"
#include "framework/serving/step_parts.h"

namespace infercost::framework {
namespace {

// Step times of one pool's worker, memoised (a simulation asks for the same few many times).
class WorkerSteps {
 public:
  explicit WorkerSteps(const PoolModel& pool)
      : pool_(pool), parts_(*pool.pipeline, *pool.timer, *pool.worker) {}

  // The decode steps and token counts of a request (speculative decoding, StepParts).
  const StepParts& parts() const { return parts_; }

  // One prefill step of `prompts` whole prompts of `tokens` each (drawn lengths: their mean; a
  // step's time is near linear in its tokens, and the quadratic attention's mean of squares is
  // within 0.5 % of the square of the mean for lengths drawn from [0.8, 1] x the stated one).
  absl::StatusOr<double> Prefill(int64_t prompts, int64_t tokens) {
    const auto key = std::make_pair(prompts, tokens);
    if (auto it = prefill_.find(key); it != prefill_.end()) return it->second;
    const Scenario& w = *pool_.worker;
    ASSIGN_OR_RETURN(double seconds, Time(PerGpuStep(w, IC_STAGE_PREFILL, ReplicaBatch(w, prompts),
                                                     tokens, tokens)));
    prefill_[key] = seconds;
    return seconds;
  }

  // One decode step of `sequences` at mean context `context`.
  absl::StatusOr<double> Decode(int64_t sequences, double context) {
    const auto key = std::make_pair(sequences, ContextBucket(context));
    if (auto it = decode_.find(key); it != decode_.end()) return it->second;
    const Scenario& w = *pool_.worker;
    double seconds = 0;
    if (w.speculation.tokens > 0) {  // verify and drafts, as a serving step of decodes only
      const int64_t batch = ReplicaBatch(w, sequences);
      ASSIGN_OR_RETURN(seconds, parts_.StepTime(batch, key.second, 0, 0, batch, batch));
    } else {
      ASSIGN_OR_RETURN(
          seconds, Time(PerGpuStep(w, IC_STAGE_DECODE, ReplicaBatch(w, sequences), 1, key.second)));
    }
    decode_[key] = seconds;
    return seconds;
  }

 private:
  absl::StatusOr<double> Time(const Step& step) const {
    ASSIGN_OR_RETURN(StageLedger ledger, pool_.pipeline->Evaluate(step));
    ASSIGN_OR_RETURN(StageTiming timing, pool_.timer->Time(ledger));
    if (!(timing.time_s > 0) || !std::isfinite(timing.time_s)) {
      return absl::InternalError(fmt::format("disagg simulation: step time {} s", timing.time_s));
    }
    return timing.time_s;
  }

  const PoolModel& pool_;
  StepParts parts_;
  std::map<std::pair<int64_t, int64_t>, double> prefill_;
  std::map<std::pair<int64_t, int64_t>, double> decode_;
};

struct Request {
  int64_t prompt = 0;    // its prompt's tokens
  int64_t output = 0;    // its answer's tokens
  double arrival = 0;    // sent by its client
  double at_router = 0;  // reached the router (after the serving path)
  double prefill_start = 0;
  double prefill_step = 0;
  double ready = 0;  // first token at the client (after the KV transfer)
  double joined = 0;
  int64_t generated = 0;
};

struct PrefillWorker {
  bool busy = false;
  double end = 0;
  std::vector<size_t> batch;
};

struct DecodeWorker {
  bool busy = false;
  double end = 0;
  std::vector<size_t> running;
  std::vector<size_t> joining;  // join at the next step
  size_t Load() const { return running.size() + joining.size(); }
};

}  // namespace

double KvTransferSeconds(double bytes, const registry::Hardware& hardware, int64_t prefill_gpus,
                         int64_t decode_gpus, int64_t all_gpus) {
  const bool one_node = all_gpus <= hardware.gpus_per_node;
  double bandwidth =
      one_node ? hardware.scale_up_bandwidth_bytes_per_s : hardware.scale_out_bandwidth_bytes_per_s;
  double latency = one_node ? hardware.scale_up_latency_s : hardware.scale_out_latency_s;
  if (!(bandwidth > 0)) {  // a device with one kind of link only
    bandwidth =
        std::max(hardware.scale_up_bandwidth_bytes_per_s, hardware.scale_out_bandwidth_bytes_per_s);
    latency = std::max(hardware.scale_up_latency_s, hardware.scale_out_latency_s);
  }
  if (!(bandwidth > 0)) return 0;
  const double senders = static_cast<double>(std::min(prefill_gpus, decode_gpus));
  return latency + bytes / (senders * bandwidth);
}

namespace {

// One run of the two pools: closed loop (`open_loop_requests` 0), or that many open-loop
// arrivals.
absl::StatusOr<DisaggState> SimulateDisaggRun(const PoolModel& prefill, const PoolModel& decode,
                                              const Scenario& s, double kv_transfer_s,
                                              int64_t open_loop_requests) {
  WorkerSteps prefill_steps(prefill), decode_steps(decode);
  // Closed loop: `concurrency` clients, the first cycle left out of the means. Open loop
  // (--request-rate): Poisson arrivals, the first quarter left out.
  const bool open_loop = open_loop_requests > 0;
  const std::vector<double> arrivals =
      open_loop ? PoissonArrivals(s.request_rate, open_loop_requests) : std::vector<double>{};
  size_t next_arrival = 0;
  const int64_t clients = open_loop ? open_loop_requests / 4 : s.concurrency;
  OpenLoopMeter meter(arrivals, clients);
  const int64_t isl = s.input_tokens;
  const int64_t osl = s.output_tokens;
  // A request's token steps (StepParts::TokenSteps: its first token, then its decode steps) and
  // its context after g of them (StepParts::ContextAfter). Each request's lengths: isl and osl, or
  // drawn (--length-range-ratio; its KV transfer is timed at isl, the longest).
  const StepParts& parts = decode_steps.parts();
  RequestLengths lengths(isl, osl, s.length_range_ratio);
  const double growth = s.speculation.tokens_per_step;
  const auto context_of = [&](const Request& r) {
    return parts.ContextAfter(r.prompt, r.generated, r.output);
  };
  DisaggState st;
  st.kv_transfer_s = kv_transfer_s;
  st.prefill_step_batch = prefill.step_batch;
  st.decode_step_batch = decode.step_batch;

  std::vector<Request> requests;
  // Requests sent but not yet at the router (the serving path), then the prefill queue.
  ServingPath<size_t> on_the_way(s.engine.ServingPathSeconds());
  std::deque<size_t> prefill_queue;
  std::deque<size_t> transfers;     // in flight, in order of readiness (one transfer time)
  std::deque<size_t> decode_queue;  // transferred, no room on any decode worker
  std::vector<PrefillWorker> prefill_workers(static_cast<size_t>(prefill.workers));
  std::vector<DecodeWorker> decode_workers(static_cast<size_t>(decode.workers));
  double now = 0;

  // Statistics after the start-up cycle (the first `clients` completions).
  int64_t finished = 0;
  double first_cycle_end = 0;
  double ttft_sum = 0, tpot_sum = 0, latency_sum = 0, prefill_wait_sum = 0, prefill_step_sum = 0;
  double decode_wait_sum = 0;
  int64_t tpots = 0;  // of the completed: those with a TPOT
  double steady_time = 0, decode_weighted = 0, prefill_busy_time = 0, decode_busy_time = 0;
  int64_t prefill_steps_taken = 0, prefill_prompts = 0;

  // Requests at the router by `now` join the prefill queue.
  auto reach_router = [&] {
    on_the_way.Deliver(now, [&](size_t id) {
      requests[id].at_router = now;
      prefill_queue.push_back(id);
    });
  };
  auto arrive = [&](double at) {
    const RequestLengths::Drawn drawn = lengths.Next();
    requests.push_back(Request{.prompt = drawn.prompt, .output = drawn.output, .arrival = at});
    on_the_way.Send(at, requests.size() - 1);
    reach_router();  // (at once without a serving path)
  };
  double all_ttft_sum = 0;
  auto complete = [&](size_t id) {
    const Request& r = requests[id];
    meter.Completed(now);
    ++finished;
    all_ttft_sum += r.ready - r.arrival;
    if (finished == clients) first_cycle_end = now;
    if (finished > clients) {
      ttft_sum += r.ready - r.arrival;
      latency_sum += now - r.arrival;
      if (const std::optional<double> tpot = RequestTpot(r.ready, now, r.output)) {
        tpot_sum += *tpot;
        ++tpots;
      }
      prefill_wait_sum += r.prefill_start - r.at_router;
      prefill_step_sum += r.prefill_step;
      decode_wait_sum += r.joined - r.ready;
      ++st.completed;
    }
    if (!open_loop) arrive(now);  // the client sends its next request
  };
  auto start_decode_step = [&](DecodeWorker& w) -> absl::Status {
    for (size_t id : w.joining) requests[id].joined = now;
    w.running.insert(w.running.end(), w.joining.begin(), w.joining.end());
    w.joining.clear();
    if (w.running.empty()) {
      w.busy = false;
      return absl::OkStatus();
    }
    double context = 0;
    for (size_t id : w.running) context += context_of(requests[id]);
    ASSIGN_OR_RETURN(double t,
                     decode_steps.Decode(static_cast<int64_t>(w.running.size()),
                                         context / static_cast<double>(w.running.size())));
    w.busy = true;
    w.end = now + t;
    return absl::OkStatus();
  };
  // A transferred request goes to the least-loaded decode worker with room, else waits.
  auto place = [&](size_t id) -> absl::Status {
    DecodeWorker* best = nullptr;
    for (DecodeWorker& w : decode_workers) {
      if (static_cast<int64_t>(w.Load()) >= decode.step_batch) continue;
      if (best == nullptr || w.Load() < best->Load()) best = &w;
    }
    if (best == nullptr) {
      decode_queue.push_back(id);
      return absl::OkStatus();
    }
    best->joining.push_back(id);
    if (!best->busy) RETURN_IF_ERROR(start_decode_step(*best));
    return absl::OkStatus();
  };
  auto start_prefills = [&]() -> absl::Status {
    for (PrefillWorker& w : prefill_workers) {
      if (w.busy || prefill_queue.empty()) continue;
      const int64_t take =
          std::min<int64_t>(prefill.step_batch, static_cast<int64_t>(prefill_queue.size()));
      double tokens = 0;
      for (int64_t i = 0; i < take; ++i) {
        tokens += static_cast<double>(requests[prefill_queue[static_cast<size_t>(i)]].prompt);
      }
      ASSIGN_OR_RETURN(
          double t, prefill_steps.Prefill(take, std::llround(tokens / static_cast<double>(take))));
      w.batch.clear();
      for (int64_t i = 0; i < take; ++i) {
        const size_t id = prefill_queue.front();
        prefill_queue.pop_front();
        requests[id].prefill_start = now;
        requests[id].prefill_step = t;
        w.batch.push_back(id);
      }
      w.busy = true;
      w.end = now + t;
      if (finished >= clients) {
        ++prefill_steps_taken;
        prefill_prompts += take;
      }
    }
    return absl::OkStatus();
  };

  // When a decode worker's step is the next event and the steps after it would change nothing
  // but its answers' lengths (no completion, no request joining, the same context bucket, every
  // other event later), those steps are taken with it: the worker's step end moves on by them and
  // its sequences get their tokens now (nothing else reads them meanwhile). Returns how many
  // steps were added (what the event loop would have done one by one, up to rounding).
  const auto skip_quiet_decode_steps = [&](DecodeWorker& w) -> absl::StatusOr<int64_t> {
    const int64_t n = static_cast<int64_t>(w.running.size());
    // (Queued requests join a worker with room at its next step.)
    if (!w.joining.empty() || n == 0 || (!decode_queue.empty() && n < decode.step_batch)) {
      return 0;
    }
    int64_t fewest_left = std::numeric_limits<int64_t>::max();
    double context = 0;  // the step ending now: its sequences' contexts, as start_decode_step sums
    for (size_t id : w.running) {
      fewest_left =
          std::min(fewest_left, parts.TokenSteps(requests[id].output) - requests[id].generated);
      context += context_of(requests[id]);
    }
    // The step ending now and the m after it complete nothing before the last of them (the
    // event loop completes what the last completes): generated + m < steps for each.
    int64_t m = fewest_left - 1;
    if (m < 1) return 0;
    // Every other event after the m steps (one step of margin against rounding).
    double other = std::numeric_limits<double>::infinity();
    for (const PrefillWorker& p : prefill_workers) {
      if (p.busy) other = std::min(other, p.end);
    }
    for (const DecodeWorker& d : decode_workers) {
      if (&d != &w && d.busy) other = std::min(other, d.end);
    }
    if (!transfers.empty()) other = std::min(other, requests[transfers.front()].ready);
    if (next_arrival < arrivals.size()) other = std::min(other, arrivals[next_arrival]);
    if (!on_the_way.empty()) other = std::min(other, on_the_way.NextAt());
    // Step j after this one runs at the mean context (context + j n growth) / n: those in the
    // first one's bucket.
    const double next_context = context + static_cast<double>(n) * growth;
    m = StepsInFirstContextBucket(next_context, n, m, growth);
    ASSIGN_OR_RETURN(const double t, decode_steps.Decode(n, next_context / static_cast<double>(n)));
    if (std::isfinite(other)) {
      const double room = (other - w.end) / t - 1;
      if (!(room >= 1)) return 0;
      if (room < static_cast<double>(m)) m = static_cast<int64_t>(room);
    }
    for (size_t id : w.running) requests[id].generated += m;
    w.end += static_cast<double>(m) * t;
    return m;
  };

  if (!open_loop) {
    for (int64_t i = 0; i < clients; ++i) arrive(0);
  }
  RETURN_IF_ERROR(start_prefills());

  // Events until the start-up cycle and two more have completed (open loop: every request),
  // within a limit on the work that keeps any scenario to about a second: each decode event
  // touches every running sequence of its worker, each other event one request. (A
  // prefill-bound loop runs many decode steps per prefill step, so the events are not
  // bounded from the clients and the output alone.)
  const int64_t target = open_loop ? open_loop_requests - clients : 2 * clients;
  constexpr int64_t kMostWork = 400'000'000;
  constexpr int64_t kMostEvents = 20'000'000;
  int64_t work = 0;
  constexpr double kNever = std::numeric_limits<double>::infinity();
  while (st.completed < target && st.events < kMostEvents && work < kMostWork) {
    // The next event: a prefill step ends, a transfer lands, or a decode step ends.
    double next = kNever;
    PrefillWorker* prefill_done = nullptr;
    DecodeWorker* decode_done = nullptr;
    for (PrefillWorker& w : prefill_workers) {
      if (w.busy && w.end < next) next = w.end, prefill_done = &w;
    }
    bool transfer_done = false;
    if (!transfers.empty() && requests[transfers.front()].ready < next) {
      next = requests[transfers.front()].ready;
      transfer_done = true;
      prefill_done = nullptr;
    }
    for (DecodeWorker& w : decode_workers) {
      if (w.busy && w.end < next) {
        next = w.end;
        decode_done = &w;
        prefill_done = nullptr;
        transfer_done = false;
      }
    }
    bool arrival = false;
    if (next_arrival < arrivals.size() && arrivals[next_arrival] < next) {
      next = arrivals[next_arrival];
      arrival = true;
      prefill_done = nullptr;
      decode_done = nullptr;
      transfer_done = false;
    }
    bool reaches_router = false;
    if (!on_the_way.empty() && on_the_way.NextAt() < next) {
      next = on_the_way.NextAt();
      reaches_router = true;
      arrival = false;
      prefill_done = nullptr;
      decode_done = nullptr;
      transfer_done = false;
    }
    if (next == kNever) {
      if (open_loop) break;  // every request served
      return absl::InternalError("disagg simulation: nothing left to do (no KV room?)");
    }
    if (decode_done != nullptr) {
      // (The steps taken with it touch each sequence once: the event's work, counted below.)
      ASSIGN_OR_RETURN(const int64_t skipped, skip_quiet_decode_steps(*decode_done));
      if (skipped > 0) next = decode_done->end;
    }
    const double dt = next - now;
    if (finished >= clients) {
      steady_time += dt;
      for (const PrefillWorker& w : prefill_workers) prefill_busy_time += w.busy ? dt : 0;
      for (const DecodeWorker& w : decode_workers) {
        decode_busy_time += w.busy ? dt : 0;
        decode_weighted += static_cast<double>(w.running.size()) * dt;
      }
    }
    now = next;
    ++st.events;
    ++work;

    if (reaches_router) {
      reach_router();
    } else if (arrival) {
      arrive(arrivals[next_arrival]);
      ++next_arrival;
    } else if (prefill_done != nullptr) {
      prefill_done->busy = false;
      for (size_t id : prefill_done->batch) {
        Request& r = requests[id];
        r.generated = 1;  // the prompt's last position samples the first token
        if (r.output == 1) {
          r.ready = now;
          r.joined = now;
          complete(id);
        } else {
          r.ready = now + kv_transfer_s;
          transfers.push_back(id);
        }
      }
      prefill_done->batch.clear();
    } else if (transfer_done) {
      const size_t id = transfers.front();
      transfers.pop_front();
      RETURN_IF_ERROR(place(id));
    } else {
      DecodeWorker& w = *decode_done;
      work += static_cast<int64_t>(w.running.size());
      std::vector<size_t> still_running;
      still_running.reserve(w.running.size());
      for (size_t id : w.running) {
        if (++requests[id].generated >= parts.TokenSteps(requests[id].output)) {
          complete(id);
        } else {
          still_running.push_back(id);
        }
      }
      w.running = std::move(still_running);
      while (!decode_queue.empty() && static_cast<int64_t>(w.Load()) < decode.step_batch) {
        w.joining.push_back(decode_queue.front());
        decode_queue.pop_front();
      }
      RETURN_IF_ERROR(start_decode_step(w));
    }
    RETURN_IF_ERROR(start_prefills());
  }
  if (st.completed == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "disagg simulation: no request completed after the start-up cycle in {} events ({} s "
        "simulated): more than the simulation follows; lower --concurrency or --output-tokens",
        st.events, now));
  }
  const double completed = static_cast<double>(st.completed);
  st.ttft_s = ttft_sum / completed;
  st.latency_s = latency_sum / completed;
  st.ttft_from_start_s = all_ttft_sum / static_cast<double>(finished);
  st.tpot_s = tpots > 0 ? tpot_sum / static_cast<double>(tpots) : 0;
  st.prefill_wait_s = prefill_wait_sum / completed;
  st.prefill_step_s = prefill_step_sum / completed;
  st.decode_wait_s = decode_wait_sum / completed;
  st.requests_per_s = open_loop ? meter.ServedPerSecond() : completed / (now - first_cycle_end);
  st.overloaded = open_loop && meter.Overloaded();
  if (steady_time > 0) {
    st.decode_batch = decode_weighted / (steady_time * static_cast<double>(decode.workers));
    st.prefill_busy = prefill_busy_time / (steady_time * static_cast<double>(prefill.workers));
    st.decode_busy = decode_busy_time / (steady_time * static_cast<double>(decode.workers));
  }
  st.prefill_batch = prefill_steps_taken > 0 ? static_cast<double>(prefill_prompts) /
                                                   static_cast<double>(prefill_steps_taken)
                                             : 0;
  st.open_loop_requests = open_loop_requests;
  return st;
}

}  // namespace

absl::StatusOr<DisaggState> SimulateDisagg(const PoolModel& prefill, const PoolModel& decode,
                                           const Scenario& s, double kv_transfer_s) {
  if (prefill.workers < 1 || decode.workers < 1 || prefill.step_batch < 1 ||
      decode.step_batch < 1) {
    return absl::InvalidArgumentError(
        "disagg simulation: each pool needs at least one worker taking at least one sequence");
  }
  if (!(s.request_rate > 0)) return SimulateDisaggRun(prefill, decode, s, kv_transfer_s, 0);
  // Open loop: as many arrivals as make the measured window the steady state (arrivals.h).
  return RunOpenLoop(s.request_rate, [&](int64_t requests) {
    return SimulateDisaggRun(prefill, decode, s, kv_transfer_s, requests);
  });
}

}  // namespace infercost::framework
