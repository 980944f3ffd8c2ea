#include "framework/report/ledger_report.h"

#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "framework/abi/phase_catalog.h"
#include "framework/ledger/cost_math.h"
#include "framework/report/json_text.h"
#include "framework/report/text_table.h"
#include "framework/report/units.h"
#include "framework/serving/arrivals.h"
#include "infercost/sdk/abi_support.h"
#include "nlohmann/json.hpp"

namespace infercost::framework {
namespace {

using nlohmann::json;

json MetricsJson(const ic_phase_cost& cost) {
  return {{"params", cost.params},
          {"flops", cost.matrix_flops},
          {"vector_flops", cost.vector_flops},
          {"weight_bytes", cost.weight_bytes},
          {"kv_read_bytes", cost.kv_read_bytes},
          {"kv_write_bytes", cost.kv_write_bytes},
          {"activation_bytes", cost.activation_bytes},
          {"comm_bytes", cost.comm_bytes},
          {"bytes", TotalBytes(cost)}};
}

const PhaseTiming* FindTiming(const StageTiming* timing, ic_phase_id phase) {
  if (timing == nullptr) return nullptr;
  for (const PhaseTiming& t : timing->phases) {
    if (t.phase == phase) return &t;
  }
  return nullptr;
}

std::string_view BoundName(ic_bound bound) {
  switch (bound) {
    case IC_BOUND_COMPUTE:
      return "compute";
    case IC_BOUND_MEMORY:
      return "memory";
    case IC_BOUND_OVERHEAD:
      return "overhead";
    case IC_BOUND_COMMUNICATION:
      return "communication";
  }
  return "unknown";
}

void AddTimingJson(json& j, const PhaseTiming* t) {
  if (t == nullptr) return;
  j["compute_s"] = t->compute_s;
  j["memory_s"] = t->memory_s;
  j["communication_s"] = t->communication_s;
  j["overhead_s"] = t->overhead_s;
  j["time_s"] = t->time_s;
  j["bound"] = BoundName(t->bound);
  j["arithmetic_intensity"] = t->arithmetic_intensity;
}

// The whole-model phases, plus the per-GPU-only ones (communication) when timed.
json PhaseJson(const ic_phase_cost& cost) {
  json j = {{"section", SectionName(PhaseSection(cost.phase))}, {"phase", PhaseName(cost.phase)}};
  j.update(MetricsJson(cost));
  if (cost.gemm_count > 0) {
    j["gemm"] = {
        {"m", cost.gemm_m}, {"n", cost.gemm_n}, {"k", cost.gemm_k}, {"count", cost.gemm_count}};
  }
  return j;
}

json PhasesJson(const std::vector<ic_phase_cost>& phases, const StageTiming* timing = nullptr) {
  json list = json::array();
  for (const ic_phase_cost& cost : phases) {
    json j = PhaseJson(cost);
    AddTimingJson(j, FindTiming(timing, cost.phase));
    list.push_back(std::move(j));
  }
  return list;
}

json StageJson(const StageLedger& stage, const StageLedger* per_gpu = nullptr,
               const StageTiming* timing = nullptr) {
  json groups = json::array();
  for (const LayerGroup& group : stage.groups) {
    groups.push_back({{"name", group.name},
                      {"layers", group.layers},
                      {"phases", PhasesJson(group.phases)},
                      {"totals", MetricsJson(group.totals)}});
  }
  json j = {{"batch", stage.step.batch},
            {"query_tokens", stage.step.query_tokens},
            {"context_tokens", stage.step.context_tokens},
            {"phases", PhasesJson(stage.phases, timing)},
            {"per_layer", {{"groups", groups}}},
            {"totals", MetricsJson(stage.totals)},
            {"stack",
             {{"layer_weight_bytes", stage.layer_weight_bytes},
              {"model_weight_bytes", stage.stack_weight_bytes}}}};
  if (timing != nullptr) {
    j["time_s"] = timing->time_s;
    j["kernels_s"] = timing->kernels_s;
    j["layer_overhead_s"] = timing->layer_overhead_s;
    j["step_overhead_s"] = timing->step_overhead_s;
  }
  if (per_gpu != nullptr) j["per_gpu_totals"] = MetricsJson(per_gpu->totals);
  return j;
}

json BandJson(const TimeBand& b) {
  json j = {{"low_s", b.low_s}, {"high_s", b.high_s},         {"regime", std::string(b.regime)},
            {"rows", b.rows},   {"calibrated", b.calibrated}, {"widening", b.widening}};
  if (const std::string why = BandWhy(b); !why.empty()) j["why"] = why;
  return j;
}

json BandsJson(const Summary& s) {
  return {{"coverage", s.band_coverage},
          {"ttft", BandJson(s.ttft_band)},
          {"tpot", BandJson(s.tpot_band)},
          {"e2e", BandJson(s.e2e_band)}};
}

json SummaryJson(const Estimate& e) {
  const Summary& s = e.summary;
  const MemoryPerGpu& m = s.memory;
  json j = {{"mode", ServingModeName(s.mode)},
            {"ttft_s", s.ttft_s},
            {"tpot_s", s.tpot_s},
            {"e2e_s", s.e2e_s},
            {"tokens_per_s_per_user", s.tokens_per_s_per_user},
            {"tokens_per_s_aggregate", s.tokens_per_s_aggregate},
            {"tokens_per_s_per_gpu", s.tokens_per_s_per_gpu},
            {"memory",
             {{"per_gpu",
               {{"weights_bytes", m.weights_bytes},
                {"kv_bytes", m.kv_bytes},
                {"activation_bytes", m.activation_bytes},
                {"reserve_bytes", m.reserve_bytes},
                {"free_bytes", m.free_bytes},
                {"capacity_bytes", m.capacity_bytes}}},
              {"fits", m.fits},
              {"max_concurrency", m.max_concurrency}}},
            {"cost",
             {{"usd_per_million_input_tokens", s.usd_per_million_input_tokens},
              {"usd_per_million_output_tokens", s.usd_per_million_output_tokens}}},
            {"confidence",
             {{"level", s.confidence.level},
              {"band", s.confidence.band},
              {"reasons", ConfidenceReasons(s.confidence)}}},
            {"pipeline_bubble_fraction", s.pipeline_bubble_fraction},
            {"waves", s.waves},
            {"bands", BandsJson(s)},
            {"notes", s.notes}};
  if (s.serving) {
    const ServingState& v = *s.serving;
    j["serving"] = {{"requests_per_s", v.requests_per_s},
                    {"burst_ttft_s", v.burst_ttft_s},
                    {"overloaded", v.overloaded},
                    {"open_loop_requests", v.open_loop_requests},
                    {"desynchronised", v.desynchronised},
                    {"decode_batch", v.decode_batch},
                    {"prefill_tokens_per_step", v.prefill_tokens_per_step},
                    {"mixed_step_fraction", v.mixed_step_fraction},
                    {"prefill_time_share", v.prefill_time_share},
                    {"waiting_requests", v.waiting_requests},
                    {"steps", v.steps},
                    {"completed", v.completed}};
  }
  if (s.disagg) {
    const DisaggState& d = *s.disagg;
    j["disagg"] = {{"requests_per_s", d.requests_per_s},
                   {"overloaded", d.overloaded},
                   {"open_loop_requests", d.open_loop_requests},
                   {"ttft_from_start_s", d.ttft_from_start_s},
                   {"prefill_wait_s", d.prefill_wait_s},
                   {"prefill_step_s", d.prefill_step_s},
                   {"prefill_batch", d.prefill_batch},
                   {"prefill_step_batch", d.prefill_step_batch},
                   {"kv_transfer_s", d.kv_transfer_s},
                   {"decode_wait_s", d.decode_wait_s},
                   {"decode_batch", d.decode_batch},
                   {"decode_step_batch", d.decode_step_batch},
                   {"prefill_busy", d.prefill_busy},
                   {"decode_busy", d.decode_busy},
                   {"events", d.events},
                   {"completed", d.completed}};
  }
  return j;
}

json PoolJson(const Pool& p) {
  return {{"workers", p.workers},
          {"gpus_per_worker", p.gpus},
          {"tensor_parallel", p.layout.tensor},
          {"pipeline_parallel", p.layout.pipeline},
          {"data_parallel", p.layout.data},
          {"expert_parallel", p.layout.expert},
          {"max_batch", p.max_batch}};
}

// The weights' dtype, or the routed experts' and the rest's where a checkpoint quantizes only the
// experts.
std::string WeightsLabel(const Scenario& s) {
  if (s.expert_weights.name == s.weights.name) return std::string(s.weights.name);
  return fmt::format("{} routed experts, {} the rest", s.expert_weights.name, s.weights.name);
}

std::string ScenarioLine(const Scenario& s) {
  return fmt::format(
      "{} on {}x {} | weights {} | activations {} | KV {} | {} in + {} out tokens | concurrency "
      "{} | attention {} ({} kernel) | engine {}",
      s.model.display_name, s.gpus, s.hardware.display_name, WeightsLabel(s), s.activations.name,
      s.kv.name, s.input_tokens, s.output_tokens, s.concurrency, s.attention_variant,
      s.attention_kernel, s.engine.name);
}

std::string Share(double part, double whole) {
  if (whole <= 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * part / whole);
}

std::vector<std::string> MetricCells(const ic_phase_cost& cost, double stage_bytes) {
  return {FormatParams(cost.params),          FormatFlops(cost.matrix_flops),
          FormatFlops(cost.vector_flops),     FormatBytes(cost.weight_bytes),
          FormatBytes(cost.kv_read_bytes),    FormatBytes(cost.kv_write_bytes),
          FormatBytes(cost.activation_bytes), FormatBytes(cost.comm_bytes),
          FormatBytes(TotalBytes(cost)),      Share(TotalBytes(cost), stage_bytes)};
}

std::vector<std::string> TimingCells(const PhaseTiming* t) {
  if (t == nullptr) return {"", ""};
  return {FormatSeconds(t->time_s), std::string(BoundName(t->bound))};
}

std::string RenderPhaseTable(const std::vector<ic_phase_cost>& phases, const ic_phase_cost& totals,
                             const StageTiming* timing) {
  TextTable table({"section", "phase", "params", "FLOPs", "vector FLOPs", "weights", "KV read",
                   "KV write", "activations", "comm", "HBM bytes", "share", "time/GPU", "bound"},
                  {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight, Align::kRight, Align::kRight, Align::kLeft});
  const double stage_bytes = TotalBytes(totals);
  size_t i = 0;
  while (i < phases.size()) {
    const ic_section section = PhaseSection(phases[i].phase);
    ic_phase_cost section_total = ZeroCost(phases[i].phase);
    bool first = true;
    for (; i < phases.size() && PhaseSection(phases[i].phase) == section; ++i) {
      std::vector<std::string> row = {first ? std::string(SectionName(section)) : "",
                                      std::string(PhaseName(phases[i].phase))};
      for (std::string& cell : MetricCells(phases[i], stage_bytes)) row.push_back(cell);
      for (std::string& cell : TimingCells(FindTiming(timing, phases[i].phase))) {
        row.push_back(cell);
      }
      table.AddRow(row);
      AddScaled(section_total, phases[i], 1);
      first = false;
    }
    std::vector<std::string> row = {"", fmt::format("{} total", SectionName(section))};
    for (std::string& cell : MetricCells(section_total, stage_bytes)) row.push_back(cell);
    table.AddRow(row);
    table.AddRule();
  }
  std::vector<std::string> row = {"model", "total"};
  for (std::string& cell : MetricCells(totals, stage_bytes)) row.push_back(cell);
  if (timing != nullptr) row.push_back(FormatSeconds(timing->kernels_s));
  table.AddRow(row);
  return table.Render();
}

std::string RenderGroups(const StageLedger& stage) {
  std::string out;
  for (const LayerGroup& group : stage.groups) {
    out += fmt::format(
        "  per layer ({} x {}): params {} | FLOPs {} | weights {} | KV read {} | KV write {} | "
        "bytes {}\n",
        group.layers, group.name, FormatParams(group.totals.params),
        FormatFlops(group.totals.matrix_flops), FormatBytes(group.totals.weight_bytes),
        FormatBytes(group.totals.kv_read_bytes), FormatBytes(group.totals.kv_write_bytes),
        FormatBytes(TotalBytes(group.totals)));
  }
  out += fmt::format("  stack weights: one layer {} | whole model (layers x layer + LM head) {}\n",
                     FormatBytes(stage.layer_weight_bytes), FormatBytes(stage.stack_weight_bytes));
  return out;
}

std::string RenderSummary(const Scenario& scenario, const Estimate& e) {
  const Summary& s = e.summary;
  const MemoryPerGpu& m = s.memory;
  std::string out =
      fmt::format("\nSUMMARY (engine {}, {} GPUs: tensor {} x pipeline {} x data {}, expert {})\n",
                  scenario.engine.name, scenario.gpus, scenario.layout.tensor,
                  scenario.layout.pipeline, scenario.layout.data, scenario.layout.expert);
  TextTable table({"metric", "value"}, {Align::kLeft, Align::kRight});
  const bool serving = s.serving.has_value() || s.disagg.has_value();
  table.AddRow({"mode", s.disagg  ? "disagg (prefill and decode pools, steady state)"
                        : serving ? "serving (continuous batching, steady state)"
                                  : "static (one batch: prefill, then decode)"});
  if (scenario.length_range_ratio < 1) {
    const RequestLengths lengths(scenario.input_tokens, scenario.output_tokens,
                                 scenario.length_range_ratio);
    table.AddRow(
        {"request lengths (drawn, --length-range-ratio)",
         fmt::format("{:g}: prompts {:g}, answers {:g} tokens on average",
                     scenario.length_range_ratio, lengths.MeanPrompt(), lengths.MeanOutput())});
  }
  table.AddRow(
      {serving ? "time to first token (queueing included)" : "time to first token (prefill)",
       FormatSeconds(s.ttft_s)});
  table.AddRow(
      {serving ? "time per output token (mean step)" : "time per output token (mean context)",
       FormatSeconds(s.tpot_s)});
  table.AddRow({"end-to-end latency", FormatSeconds(s.e2e_s)});
  if (const Speculation& spec = scenario.speculation; spec.tokens > 0) {
    table.AddRow(
        {"speculative decoding",
         fmt::format("{} drafted ({} draft layer{}), {:.3g} tokens per step", spec.tokens,
                     spec.draft_layers, spec.draft_layers == 1 ? "" : "s", spec.tokens_per_step)});
  }
  for (const auto& [name, band] : {std::pair{"TTFT", &s.ttft_band}, std::pair{"TPOT", &s.tpot_band},
                                   std::pair{"end-to-end", &s.e2e_band}}) {
    table.AddRow({fmt::format("  {} band ({:.0f}% of measurements{})", name, 100 * s.band_coverage,
                              band->calibrated ? "" : ", widened"),
                  fmt::format("{} - {}", FormatSeconds(band->low_s), FormatSeconds(band->high_s))});
  }
  if (s.disagg) {
    const DisaggState& d = *s.disagg;
    const Pool& p = scenario.prefill_pool;
    const Pool& q = scenario.decode_pool;
    table.AddRow({"prefill pool", fmt::format("{} x {} GPUs (tp {}, dp {})", p.workers, p.gpus,
                                              p.layout.tensor, p.layout.data)});
    table.AddRow({"decode pool", fmt::format("{} x {} GPUs (tp {}, dp {})", q.workers, q.gpus,
                                             q.layout.tensor, q.layout.data)});
    table.AddRow({"requests/s", fmt::format("{:.3g}", d.requests_per_s)});
    table.AddRow({"  wait for prefill (mean)", FormatSeconds(d.prefill_wait_s)});
    table.AddRow({"  prefill step (mean)", FormatSeconds(d.prefill_step_s)});
    table.AddRow({"  KV transfer", FormatSeconds(d.kv_transfer_s)});
    table.AddRow({"  wait for a decode slot (mean)", FormatSeconds(d.decode_wait_s)});
    table.AddRow({"prompts per prefill step (mean)", fmt::format("{:.1f}", d.prefill_batch)});
    table.AddRow({"sequences per decode worker (mean)", fmt::format("{:.1f}", d.decode_batch)});
    table.AddRow({"busy: prefill / decode pool",
                  fmt::format("{:.0f}% / {:.0f}%", 100 * d.prefill_busy, 100 * d.decode_busy)});
  }
  if (s.serving) {
    const ServingState& v = *s.serving;
    table.AddRow({"requests/s", fmt::format("{:.3g}", v.requests_per_s * scenario.layout.data)});
    table.AddRow({"sequences decoding per step (mean)", fmt::format("{:.1f}", v.decode_batch)});
    table.AddRow(
        {"steps carrying prompt tokens", fmt::format("{:.0f}%", 100 * v.mixed_step_fraction)});
    table.AddRow({"GPU time on prompts", fmt::format("{:.0f}%", 100 * v.prefill_time_share)});
    table.AddRow({"requests waiting (mean)", fmt::format("{:.1f}", v.waiting_requests)});
  }
  table.AddRow({"tokens/s per user", fmt::format("{:.1f}", s.tokens_per_s_per_user)});
  table.AddRow({"tokens/s aggregate", fmt::format("{:.1f}", s.tokens_per_s_aggregate)});
  table.AddRow({"tokens/s per GPU", fmt::format("{:.1f}", s.tokens_per_s_per_gpu)});
  table.AddRule();
  table.AddRow({"memory per GPU: weights", FormatBytes(m.weights_bytes)});
  table.AddRow({"memory per GPU: KV cache", FormatBytes(m.kv_bytes)});
  table.AddRow({"memory per GPU: activations (peak)", FormatBytes(m.activation_bytes)});
  table.AddRow({"memory per GPU: runtime reserve", FormatBytes(m.reserve_bytes)});
  table.AddRow({"memory per GPU: free", m.free_bytes >= 0
                                            ? FormatBytes(m.free_bytes)
                                            : fmt::format("-{}", FormatBytes(-m.free_bytes))});
  table.AddRow({"memory per GPU: capacity", FormatBytes(m.capacity_bytes)});
  table.AddRow({"fits", m.fits ? "yes" : "NO"});
  if (s.waves > 1) table.AddRow({"runs in waves", fmt::format("{}", s.waves)});
  table.AddRow(
      {fmt::format("max concurrency at {} tokens", scenario.input_tokens + scenario.output_tokens),
       fmt::format("{}", m.max_concurrency)});
  table.AddRule();
  table.AddRow(
      {"$ per million input tokens", fmt::format("{:.4f}", s.usd_per_million_input_tokens)});
  table.AddRow(
      {"$ per million output tokens", fmt::format("{:.4f}", s.usd_per_million_output_tokens)});
  table.AddRow(
      {"confidence", fmt::format("{} (±{:.0f}%)", s.confidence.level, 100 * s.confidence.band)});
  out += table.Render();
  for (const std::string& reason : ConfidenceReasons(s.confidence)) {
    out += fmt::format("  - {}\n", reason);
  }
  for (const std::string& note : s.notes) out += fmt::format("note: {}\n", note);
  return out;
}

}  // namespace

double TotalBytes(const ic_phase_cost& cost) { return sdk::HbmBytes(cost); }

std::string RenderLedgerTable(const Scenario& scenario, const Estimate& estimate) {
  const Ledger& ledger = estimate.ledger;
  std::string out = fmt::format("infercost: {}\n\n", ScenarioLine(scenario));
  out += fmt::format(
      "Meters are the whole model's: one GPU's ledger summed over its {}-way tensor-parallel "
      "group, each weight counted once{}; time/GPU is one GPU.\n\n",
      scenario.layout.tensor,
      scenario.layout.data > 1
          ? fmt::format(", for one of {} data-parallel replicas", scenario.layout.data)
          : "");
  out += fmt::format("PREFILL: one pass over {} input tokens x {} sequences (causal)\n",
                     ledger.prefill.step.query_tokens, ledger.prefill.step.batch);
  out += RenderPhaseTable(ledger.prefill.phases, ledger.prefill.totals, &estimate.prefill_timing);
  out += RenderGroups(ledger.prefill);
  out += fmt::format(
      "\nDECODE: one step at the mean context N = {} (input + output/2) x {} sequences\n",
      ledger.decode.step.context_tokens, ledger.decode.step.batch);
  out += RenderPhaseTable(ledger.decode.phases, ledger.decode.totals, &estimate.decode_timing);
  out += RenderGroups(ledger.decode);
  const ic_phase_cost& sum = ledger.decode_sum.totals;
  out += fmt::format(
      "\nDECODE, ALL {} STEPS (exact sum, contexts {}..{}): FLOPs {} | weights {} | KV read {} | "
      "KV write {} | bytes {}\n",
      ledger.decode_sum.steps, scenario.input_tokens + 1,
      scenario.input_tokens + scenario.output_tokens - 1, FormatFlops(sum.matrix_flops),
      FormatBytes(sum.weight_bytes), FormatBytes(sum.kv_read_bytes),
      FormatBytes(sum.kv_write_bytes), FormatBytes(TotalBytes(sum)));
  const double full_context = static_cast<double>(scenario.input_tokens + scenario.output_tokens);
  const double every_token = ledger.kv_cache_bytes_per_token * full_context;
  out += fmt::format(
      "KV cache: {} per token per sequence (whole model, {}); {} per sequence at its {} tokens{}\n",
      FormatBytes(ledger.kv_cache_bytes_per_token), scenario.kv.name,
      FormatBytes(ledger.kv_cache_bytes_per_sequence),
      scenario.input_tokens + scenario.output_tokens,
      std::fabs(ledger.kv_cache_bytes_per_sequence - every_token) > 1e-3 * every_token
          ? " (not the two multiplied: sliding-window layers keep only their window, recurrent "
            "layers a fixed-size state)"
          : "");
  out += RenderSummary(scenario, estimate);
  return out;
}

std::string RenderLedgerJson(const Scenario& s, const Estimate& estimate) {
  const Ledger& ledger = estimate.ledger;
  json scenario = {{"model", s.model.name},
                   {"hardware", s.hardware.name},
                   {"gpus", s.gpus},
                   {"tensor_parallel", s.layout.tensor},
                   {"pipeline_parallel", s.layout.pipeline},
                   {"data_parallel", s.layout.data},
                   {"expert_parallel", s.layout.expert},
                   {"moe_imbalance", s.moe_imbalance},
                   {"engine", s.engine.name},
                   {"weights", s.weights.name},
                   {"expert_weights", s.expert_weights.name},
                   {"activations", s.activations.name},
                   {"kv", s.kv.name},
                   {"input_tokens", s.input_tokens},
                   {"output_tokens", s.output_tokens},
                   {"concurrency", s.concurrency},
                   {"mode", ServingModeName(s.mode)},
                   {"request_rate", s.request_rate},
                   {"length_range_ratio", s.length_range_ratio},
                   {"max_batched_tokens", s.engine.max_batched_tokens},
                   {"speculative_decoding",
                    {{"tokens", s.speculation.tokens},
                     {"acceptance", s.speculation.acceptance},
                     {"draft_layers", s.speculation.draft_layers},
                     {"tokens_per_step", s.speculation.tokens_per_step}}},
                   {"attention_variant", s.attention_variant},
                   {"attention_kernel", s.attention_kernel}};
  if (s.mode == ServingMode::kDisagg) {
    scenario["pools"] = {{"prefill", PoolJson(s.prefill_pool)},
                         {"decode", PoolJson(s.decode_pool)}};
  }
  json decode = StageJson(ledger.decode, &estimate.decode_per_gpu, &estimate.decode_timing);
  decode["sum"] = {{"steps", ledger.decode_sum.steps},
                   {"phases", PhasesJson(ledger.decode_sum.phases)},
                   {"totals", MetricsJson(ledger.decode_sum.totals)},
                   {"time_s", estimate.decode_sum_s}};
  json root = {
      {"scenario", scenario},
      {"stages",
       {{"prefill", StageJson(ledger.prefill, &estimate.prefill_per_gpu, &estimate.prefill_timing)},
        {"decode", decode}}},
      {"kv_cache_bytes_per_token", ledger.kv_cache_bytes_per_token},
      {"kv_cache_bytes_per_sequence", ledger.kv_cache_bytes_per_sequence},
      {"kv_cache_bytes_per_token_per_gpu", estimate.kv_bytes_per_token_per_gpu},
      {"summary", SummaryJson(estimate)}};
  return JsonText(root, 2) + "\n";
}

std::string RenderLedgerCsv(const Scenario& /*scenario*/, const Estimate& estimate) {
  const Ledger& ledger = estimate.ledger;
  std::string out =
      "stage,section,phase,params,flops,vector_flops,weight_bytes,kv_read_bytes,kv_write_bytes,"
      "activation_bytes,comm_bytes,bytes,time_s_per_gpu,bound\n";
  auto rows = [&out](std::string_view stage, const std::vector<ic_phase_cost>& phases,
                     const StageTiming* timing) {
    for (const ic_phase_cost& c : phases) {
      const PhaseTiming* t = FindTiming(timing, c.phase);
      out += fmt::format(
          "{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},"
          "{:.17g},{},{}\n",
          stage, SectionName(PhaseSection(c.phase)), PhaseName(c.phase), c.params, c.matrix_flops,
          c.vector_flops, c.weight_bytes, c.kv_read_bytes, c.kv_write_bytes, c.activation_bytes,
          c.comm_bytes, TotalBytes(c), t != nullptr ? fmt::format("{:.9g}", t->time_s) : "",
          t != nullptr ? BoundName(t->bound) : "");
    }
  };
  rows("prefill", ledger.prefill.phases, &estimate.prefill_timing);
  rows("decode", ledger.decode.phases, &estimate.decode_timing);
  rows("decode_sum", ledger.decode_sum.phases, nullptr);
  return out;
}

}  // namespace infercost::framework
