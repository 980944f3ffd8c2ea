#include "framework/memory/memory_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "framework/base/status_macros.h"
#include "framework/ledger/scenario_steps.h"

namespace infercost::framework {

double WeightBytesPerGpu(const StageLedger& per_gpu, const Scenario& s) {
  // The routed experts' parameters take their own dtype (a checkpoint that quantizes only them).
  const Precision precision = PrecisionOf(s);
  const auto bytes_of = [&precision](const ic_phase_cost& cost) {
    return cost.params * precision.WeightOf(cost.phase);
  };
  double layer_bytes = 0;
  for (const LayerGroup& group : per_gpu.groups) {
    double group_bytes = 0;
    for (const ic_phase_cost& cost : group.phases) group_bytes += bytes_of(cost);
    layer_bytes += static_cast<double>(group.layers) * group_bytes;
  }
  double model_bytes = 0;
  for (const ic_phase_cost& cost : per_gpu.model_phases) model_bytes += bytes_of(cost);
  return std::ceil(static_cast<double>(s.model.num_layers) /
                   static_cast<double>(s.layout.pipeline)) /
             static_cast<double>(s.model.num_layers) * layer_bytes +
         model_bytes;
}

namespace {

// Peak live activations of `step` when its largest phase record moves `largest_phase` bytes:
// that phase's working set (its inputs and outputs) plus the residual stream (T x d) that stays
// alive across the layer.
double PeakWith(double largest_phase, const Step& step, const registry::Model& model,
                double activation_bytes) {
  return largest_phase + step.tokens() * static_cast<double>(model.hidden_size) * activation_bytes;
}

}  // namespace

void MemoryModel::Remember(const StageLedger& evaluated) const {
  double largest = 0;
  for (const LayerGroup& group : evaluated.groups) {
    for (const ic_phase_cost& cost : group.phases)
      largest = std::max(largest, cost.activation_bytes);
  }
  for (const ic_phase_cost& cost : evaluated.model_phases) {
    largest = std::max(largest, cost.activation_bytes);
  }
  buffers_.peaks.emplace_back(evaluated.step, PeakWith(largest, evaluated.step, scenario_.model,
                                                       scenario_.activations.bytes_per_element));
}

absl::StatusOr<double> MemoryModel::PeakOf(const Step& step, double enough) const {
  for (const auto& [seen, peak] : buffers_.peaks) {
    if (seen == step) return peak;
  }
  const double residual =
      PeakWith(0, step, scenario_.model, scenario_.activations.bytes_per_element);
  buffers_.has_attention = false;
  ASSIGN_OR_RETURN(double largest, pipeline_.LargestPhaseActivationBytes(step, buffers_.records,
                                                                         enough - residual));
  if (largest > enough - residual) {
    // Perhaps without the attention's records: a lower bound, enough when it is above `enough`
    // (else, at the edge of rounding, the whole step is asked).
    if (largest + residual > enough) return largest + residual;
    ASSIGN_OR_RETURN(largest, pipeline_.LargestPhaseActivationBytes(step, buffers_.records));
  }
  const double peak = largest + residual;
  buffers_.has_attention = true;
  buffers_.attention_step = step;
  buffers_.peaks.emplace_back(step, peak);
  return peak;
}

absl::StatusOr<MemoryPerGpu> MemoryModel::At(int64_t concurrency) const {
  return Evaluate(concurrency, /*exact=*/true);
}

absl::StatusOr<MemoryPerGpu> MemoryModel::Evaluate(int64_t concurrency, bool exact) const {
  const Scenario& scenario = scenario_;
  MemoryPerGpu memory;
  memory.capacity_bytes = scenario.hardware.memory_capacity_bytes;
  memory.weights_bytes = weights_bytes_;
  memory.reserve_bytes = reserve_bytes_;
  const int64_t batch = ReplicaBatch(scenario, concurrency);
  memory.kv_bytes = static_cast<double>(batch) * kv_bytes_per_sequence_;
  // What the activations may take: a peak above it leaves free bytes below zero (x - y < 0
  // exactly when y > x, in floating point too).
  const double room =
      memory.capacity_bytes - memory.weights_bytes - memory.kv_bytes - memory.reserve_bytes;
  const auto settle = [&](double activation_bytes) {
    memory.activation_bytes = activation_bytes;
    memory.free_bytes = room - activation_bytes;
    memory.fits = memory.free_bytes >= 0;
  };
  // Without `exact`, a peak known to be above the room may be a lower bound (PeakOf): the point
  // does not fit, which is all a probe needs.
  const double enough = exact ? std::numeric_limits<double>::infinity() : room;
  ASSIGN_OR_RETURN(const double prefill_peak,
                   PeakOf(PeakPrefillStep(scenario, concurrency), enough));
  // The activations are at least the prefill's peak: if that alone does not fit, neither does
  // the maximum with the decode step's (whose evaluation is saved when `exact` is not asked).
  settle(prefill_peak);
  if (!exact && !memory.fits) return memory;
  ASSIGN_OR_RETURN(const double decode_peak,
                   PeakOf(PerGpuStep(scenario, IC_STAGE_DECODE, batch, 1,
                                     scenario.input_tokens + scenario.output_tokens),
                          enough));
  settle(std::max(prefill_peak, decode_peak));
  return memory;
}

absl::StatusOr<int64_t> MemoryModel::MaxConcurrency(int64_t known_concurrency,
                                                    const MemoryPerGpu* known) const {
  // The bracket: `fits` fits, `fails` does not (or lies beyond what is accepted), with the free
  // bytes of each end once it has been evaluated.
  int64_t fits = 0;
  double fits_free = 0;
  MemoryPerGpu at_start;  // memory at the first `fits`
  if (known != nullptr && known->fits && known_concurrency >= 1) {
    fits = known_concurrency;
    at_start = *known;
  } else {
    ASSIGN_OR_RETURN(at_start, At(1));
    if (!at_start.fits) return 0;
    fits = 1;
  }
  fits_free = at_start.free_bytes;
  const int64_t start = fits;
  int64_t fails = kMaxConcurrency + 1;
  // Activations are never negative, so KV alone bounds the answer from above.
  if (kv_bytes_per_sequence_ > 0) {
    const double kv_room =
        scenario_.hardware.memory_capacity_bytes - weights_bytes_ - reserve_bytes_;
    const double replicas = static_cast<double>(scenario_.layout.data);
    fails = std::min<int64_t>(
        fails, static_cast<int64_t>(std::floor(kv_room / kv_bytes_per_sequence_ * replicas)) + 1);
    fails = std::max<int64_t>(fails, fits + 1);
  }
  std::optional<double> fails_free;
  if (known != nullptr && !known->fits && known_concurrency > fits && known_concurrency < fails) {
    fails = known_concurrency;
    fails_free = known->free_bytes;
  }
  if (fails - fits <= 1) return fits;
  // Narrows the bracket with an evaluation at `next` (inside it). A point that does not fit
  // keeps an upper bound of its free bytes (still below zero), which only steers the guesses.
  const auto probe = [&](int64_t next) -> absl::Status {
    ASSIGN_OR_RETURN(const MemoryPerGpu at, Evaluate(next, /*exact=*/false));
    if (at.fits) {
      fits = next;
      fits_free = at.free_bytes;
    } else {
      fails = next;
      fails_free = at.free_bytes;
    }
    return absl::OkStatus();
  };
  // A guess, then its neighbour on the other side (free bytes affine in the concurrency put the
  // guess on the last that fits, and the neighbour closes the bracket).
  const auto probe_guess = [&](int64_t guess) -> absl::Status {
    RETURN_IF_ERROR(probe(guess));
    const int64_t neighbour = fits == guess ? guess + 1 : guess - 1;
    if (neighbour > fits && neighbour < fails) RETURN_IF_ERROR(probe(neighbour));
    return absl::OkStatus();
  };
  // First guess: KV and activations both in proportion to the replica batch (the activation
  // peak of an unchunked step is), from the first point that fits: the most whole batches whose KV
  // and activations fill the room. Its neighbour decides it; when the guess is right the answer
  // costs these two evaluations, else they narrow the bracket for the search below.
  {
    const double replicas = static_cast<double>(scenario_.layout.data);
    const double batch = static_cast<double>(ReplicaBatch(scenario_, start));
    const double room = scenario_.hardware.memory_capacity_bytes - weights_bytes_ - reserve_bytes_;
    const double per_sequence = kv_bytes_per_sequence_ + at_start.activation_bytes / batch;
    if (per_sequence > 0 && room > 0) {
      const double batches = std::floor(room / per_sequence);
      if (batches * replicas < static_cast<double>(fails)) {
        RETURN_IF_ERROR(
            probe_guess(std::clamp(static_cast<int64_t>(batches * replicas), fits + 1, fails - 1)));
        if (fails - fits <= 1) return fits;
      }
    }
  }
  if (!fails_free) {
    // The upper end, evaluated (at most the largest concurrency accepted): if even it fits, so
    // does everything below it.
    const int64_t upper = std::min(fails, kMaxConcurrency);
    ASSIGN_OR_RETURN(const MemoryPerGpu at_upper, Evaluate(upper, /*exact=*/false));
    if (at_upper.fits) return fails - 1;
    fails = upper;
    fails_free = at_upper.free_bytes;
    if (fails - fits <= 1) return fits;
  }
  // Rounds of: interpolate (where the line through the bracket's ends crosses zero free bytes)
  // and probe that guess with its neighbour; halve if the round left more than half.
  while (fails - fits > 1) {
    const int64_t round_width = fails - fits;
    const double share = fits_free / (fits_free - *fails_free);
    RETURN_IF_ERROR(probe_guess(std::clamp(
        fits + static_cast<int64_t>(std::floor(share * static_cast<double>(round_width))), fits + 1,
        fails - 1)));
    if (fails - fits > 1 && 2 * (fails - fits) > round_width) {
      RETURN_IF_ERROR(probe(fits + (fails - fits) / 2));
    }
  }
  return fits;
}

}  // namespace infercost::framework
