// Disaggregated serving (--mode disagg): prompts are prefilled by one pool of workers, the KV
// cache then moves to a worker of a second pool, which decodes the answer (NVIDIA Dynamo,
// SGLang PD, vLLM's P/D disaggregation). `concurrency` closed-loop clients, as in serving mode:
// each sends its next request the moment the last one ends; all start together.
//
// Simulated event by event, with each worker's own clock:
//   prefill worker: when idle, takes up to `prefill batch` waiting prompts (first come first
//     served) and prefills them in one step; their first token is ready at the step's end;
//   KV transfer: each prefilled request's cache (all layers, at the prompt's length) moves to the
//     decode pool over the scale-up links when both pools fit in one node of the device, else
//     over the scale-out links, every GPU of the smaller worker sending its share at once;
//   decode worker: continuous batching of the requests it holds (at most `decode batch`, within
//     memory); a request that arrives joins at its next step; a step's time is the decode step of
//     its running sequences at their mean context. Requests go to the least-loaded decode worker.
// A request reaches the router (and the prefill queue) the engine's serving path
// (Engine::ServingPathSeconds) after its client sent it (as in serving mode: HTTP, tokenisation,
// the first token's way back). TTFT is arrival to the first token at the client, after the KV
// transfer (the decode worker streams the answer); TPOT is (finish - first token) / (output - 1).
// Means over the requests completed after the start-up cycle, as in serving mode.
//
//   ASSIGN_OR_RETURN(DisaggState d, SimulateDisagg(prefill, decode, scenario, kv_transfer_s));
#ifndef INFERCOST_FRAMEWORK_SERVING_DISAGG_MODEL_H_
#define INFERCOST_FRAMEWORK_SERVING_DISAGG_MODEL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "framework/ledger/pipeline.h"
#include "framework/scenario.h"
#include "framework/timing/step_timer.h"

namespace infercost::framework {

// One pool as the simulation sees it: a worker's scenario (PoolScenario), its pipeline and
// timer, how many workers, and the most sequences one worker's step takes.
struct PoolModel {
  const Pipeline* pipeline = nullptr;
  const StepTimer* timer = nullptr;
  const Scenario* worker = nullptr;
  int64_t workers = 1;
  int64_t step_batch = 1;  // per worker (all its data-parallel ranks together)
};

struct DisaggState {
  double ttft_s = 0;     // mean arrival to first token, queueing and KV transfer included
  double tpot_s = 0;     // mean (finish - first token) / (output_tokens - 1)
  double latency_s = 0;  // mean arrival (sent) to last token
  // Mean TTFT over every request from the start, the start-up burst (all clients at once)
  // included, as a benchmark of a few cycles reports it.
  double ttft_from_start_s = 0;
  double requests_per_s = 0;       // completions per second, whole deployment
  bool overloaded = false;         // open loop: fewer complete than arrive
  int64_t open_loop_requests = 0;  // open loop: the arrivals simulated (0: closed loop)
  double prefill_wait_s = 0;       // mean wait for a prefill worker, from reaching the router
  double prefill_step_s = 0;       // mean prefill step a request is in
  double prefill_batch = 0;        // mean prompts per prefill step
  double kv_transfer_s = 0;        // one request's KV cache, prefill to decode pool
  double decode_wait_s = 0;        // mean wait for room on a decode worker
  double decode_batch = 0;         // time-weighted mean sequences per decode worker
  double prefill_busy = 0;         // share of time the prefill workers compute
  double decode_busy = 0;          // ... the decode workers
  int64_t prefill_step_batch = 1;  // most prompts one prefill step takes (per worker)
  int64_t decode_step_batch = 1;   // most sequences one decode worker holds
  int64_t events = 0;
  int64_t completed = 0;  // requests the means are over
};

// Seconds one request's KV cache of `bytes` takes from a prefill worker of `prefill_gpus` to a
// decode worker of `decode_gpus` on `hardware`, with `all_gpus` GPUs in both pools together.
double KvTransferSeconds(double bytes, const registry::Hardware& hardware, int64_t prefill_gpus,
                         int64_t decode_gpus, int64_t all_gpus);

absl::StatusOr<DisaggState> SimulateDisagg(const PoolModel& prefill, const PoolModel& decode,
                                           const Scenario& scenario, double kv_transfer_s);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SERVING_DISAGG_MODEL_H_
