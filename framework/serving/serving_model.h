// Serving mode: a continuously batching server's behaviour at `concurrency` closed-loop clients
// (each sends its next request, input_tokens prompt and output_tokens answer, the moment the
// last one ends, as benchmark clients at a fixed concurrency do), simulated step by step. With
// length_range_ratio R < 1 each request's lengths are drawn from [R x input_tokens, input_tokens]
// and [R x output_tokens, output_tokens] as benchmarks draw them (arrivals.h, RequestLengths):
// requests of one length end on one step and come back together, drawn ones apart.
//
// Each step the engine's scheduler builds a batch from its token budget (max_batched_tokens):
//   mixed (vLLM, TensorRT-LLM): every running sequence decodes one token, and the budget left
//     is filled with prompt chunks of the waiting requests, first come first served;
//   prefill_first (SGLang): while prompts wait, a step prefills up to the budget and the
//     running sequences pause; otherwise all decode.
// A request joins the running set when its last prompt chunk is done (its first token) and
// leaves after output_tokens tokens; at most the requests whose KV fits in memory run, the others
// wait. A request reaches the scheduler the engine's serving path (Engine::ServingPathSeconds)
// after its client sent it (the serving path: HTTP, tokenisation, the first token's way back). The
// clients' first requests are spread over a client's cycle, as a benchmark's are once its first
// requests have split on step boundaries, so prefill interference comes out of the simulation
// rather than an assumption; clients of one length on a mixed schedule are modelled as
// desynchronised arrivals instead (ClientsDesynchronise below); the start-up burst of every client
// at once is simulated apart (burst_ttft_s). TTFT is sent to first token (queueing included); TPOT
// is (finish - first token) / (output_tokens - 1) (with speculative decoding a decode step adds E
// tokens to each sequence, framework/speculation.h); both are means over the requests completed in
// the two client cycles after the first (desynchronised: over the open loop's measured requests).
//
// A step's time: its token-linear phases (projections, FFN/MoE, norms, collectives) for all its
// tokens at once, weights read once; the attention core (the variant's weightless phases:
// scores, softmax, state updates) of the decode batch at its mean context plus each prompt
// chunk's at its own position; the LM head for the sequences that sample; the engine's per-step,
// per-layer and per-sequence costs.
//
//   ASSIGN_OR_RETURN(ServingState state, SimulateServing(pipeline, timer, scenario, 64));
#ifndef INFERCOST_FRAMEWORK_SERVING_SERVING_MODEL_H_
#define INFERCOST_FRAMEWORK_SERVING_SERVING_MODEL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "framework/ledger/pipeline.h"
#include "framework/scenario.h"
#include "framework/timing/step_timer.h"

namespace infercost::framework {

struct ServingState {
  double ttft_s = 0;  // mean arrival to first token, queueing included
  // Closed loop: the mean TTFT of the clients' first requests, all sent at once to the idle
  // server (a benchmark's start-up burst; the steady ttft_s leaves it out). 0: not simulated
  // (open loop, or a step limit reached before every first token).
  double burst_ttft_s = 0;
  double tpot_s = 0;                   // mean (finish - first token) / (its output - 1)
  double latency_s = 0;                // mean arrival (sent) to last token
  double requests_per_s = 0;           // completions per second, per data-parallel replica
  bool overloaded = false;             // open loop: fewer complete than arrive
  double decode_batch = 0;             // time-weighted mean of the sequences decoding per step
  double prefill_tokens_per_step = 0;  // mean prompt tokens a step carries
  double mixed_step_fraction = 0;      // steps that carry prompt tokens
  double prefill_time_share = 0;       // of the GPU time: what the prompt tokens add
  double waiting_requests = 0;         // time-weighted mean of requests not yet prefilling
  int64_t steps = 0;                   // simulated
  int64_t completed = 0;               // requests the means are over
  int64_t open_loop_requests = 0;      // open loop: the arrivals simulated (0: closed loop)
  // Closed loop: the clients modelled as desynchronised arrivals (ClientsDesynchronise), not
  // simulated client by client.
  bool desynchronised = false;
};

// Contexts are grouped to 1/32 of their size (at least 64 tokens) so that a running batch whose
// mean context moves by a token each step reuses its attention timings.
int64_t ContextBucket(double context);
// Of `most` (>= 1) decode steps of the same `sequences`, step i at the mean context
// (context_sum + (i - 1) sequences growth) / sequences (context_sum: the first step's contexts
// summed; growth: the tokens a step adds to a sequence, 1 but with speculative decoding), how
// many from the first lie in the first one's ContextBucket (which grows with the context: found
// by bisection).
int64_t StepsInFirstContextBucket(double context_sum, int64_t sequences, int64_t most,
                                  double growth = 1);

// Whether `clients` closed-loop clients on one replica are modelled as desynchronised arrivals
// rather than simulated one by one: each sends one length (length_range_ratio 1), the engine's
// schedule is "mixed", and 2 <= clients <= max_running. Simulated one by one, such clients fall
// into waves within a cycle (requests that start together end together and come back together,
// and a prompt step gathers what arrived during the one before), which the measured runs of
// vLLM and TensorRT-LLM do not show (their TTFT barely grows with the clients while the TPOT
// absorbs the prefills; docs/calibration.md, "Closed-loop waves"). They are then the open loop
// whose server holds clients - 1 requests on average (framework/serving/occupancy_rate.h): what
// a request of a closed loop finds beside itself. Not so: drawn lengths (they split waves by
// themselves), SGLang's prefill-first schedule (its measured runs wait in waves, which the
// simulated clients reproduce), one client (nothing to fall in step with) and more clients than
// fit (a queue always waits: the server runs full either way).
bool ClientsDesynchronise(const Scenario& scenario, int64_t clients, int64_t max_running);

// The server of `scenario` (its concurrency spread over its data-parallel replicas);
// `max_running`: sequences whose KV fits on a replica (the rest wait).
absl::StatusOr<ServingState> SimulateServing(const Pipeline& pipeline, const StepTimer& timer,
                                             const Scenario& scenario, int64_t max_running);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SERVING_SERVING_MODEL_H_
