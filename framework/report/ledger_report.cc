#include "framework/report/ledger_report.h"

#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "framework/ledger/cost_math.h"
#include "framework/phase_catalog.h"
#include "framework/report/text_table.h"
#include "framework/report/units.h"
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

json PhaseJson(const ic_phase_cost& cost) {
  json j = {{"section", SectionName(PhaseSection(cost.phase))}, {"phase", PhaseName(cost.phase)}};
  j.update(MetricsJson(cost));
  if (cost.gemm_count > 0) {
    j["gemm"] = {{"m", cost.gemm_m}, {"n", cost.gemm_n}, {"k", cost.gemm_k},
                 {"count", cost.gemm_count}};
  }
  return j;
}

json PhasesJson(const std::vector<ic_phase_cost>& phases) {
  json list = json::array();
  for (const ic_phase_cost& cost : phases) list.push_back(PhaseJson(cost));
  return list;
}

json StageJson(const StageLedger& stage) {
  json groups = json::array();
  for (const LayerGroup& group : stage.groups) {
    groups.push_back({{"name", group.name},
                      {"layers", group.layers},
                      {"phases", PhasesJson(group.phases)},
                      {"totals", MetricsJson(group.totals)}});
  }
  return {{"batch", stage.step.batch},
          {"query_tokens", stage.step.query_tokens},
          {"context_tokens", stage.step.context_tokens},
          {"phases", PhasesJson(stage.phases)},
          {"per_layer", {{"groups", groups}}},
          {"totals", MetricsJson(stage.totals)},
          {"stack",
           {{"layer_weight_bytes", stage.layer_weight_bytes},
            {"model_weight_bytes", stage.stack_weight_bytes}}}};
}

std::string ScenarioLine(const Scenario& s) {
  return fmt::format(
      "{} on {}x {} | weights {} | activations {} | KV {} | {} in + {} out tokens | concurrency "
      "{} | attention {} ({} kernel) | engine {}",
      s.model.display_name, s.gpus, s.hardware.display_name, s.weights.name, s.activations.name,
      s.kv.name, s.input_tokens, s.output_tokens, s.concurrency, s.attention_variant,
      s.attention_kernel, s.engine.name);
}

std::string Share(double part, double whole) {
  if (whole <= 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * part / whole);
}

std::vector<std::string> MetricCells(const ic_phase_cost& cost, double stage_bytes) {
  return {FormatParams(cost.params),        FormatFlops(cost.matrix_flops),
          FormatFlops(cost.vector_flops),   FormatBytes(cost.weight_bytes),
          FormatBytes(cost.kv_read_bytes),  FormatBytes(cost.kv_write_bytes),
          FormatBytes(cost.activation_bytes), FormatBytes(TotalBytes(cost)),
          Share(TotalBytes(cost), stage_bytes)};
}

std::string RenderPhaseTable(const std::vector<ic_phase_cost>& phases, const ic_phase_cost& totals) {
  TextTable table({"section", "phase", "params", "FLOPs", "vector FLOPs", "weights", "KV read",
                   "KV write", "activations", "bytes", "share"},
                  {Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight});
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
  out += fmt::format(
      "  stack weights: one layer {} | whole model (layers x layer + LM head) {}\n",
      FormatBytes(stage.layer_weight_bytes), FormatBytes(stage.stack_weight_bytes));
  return out;
}

}  // namespace

double TotalBytes(const ic_phase_cost& cost) {
  return cost.weight_bytes + cost.kv_read_bytes + cost.kv_write_bytes + cost.activation_bytes;
}

std::string RenderLedgerTable(const Scenario& scenario, const Ledger& ledger) {
  std::string out = fmt::format("infercost: {}\n\n", ScenarioLine(scenario));
  out += fmt::format("PREFILL: one pass over {} input tokens x {} sequences (causal)\n",
                     ledger.prefill.step.query_tokens, ledger.prefill.step.batch);
  out += RenderPhaseTable(ledger.prefill.phases, ledger.prefill.totals);
  out += RenderGroups(ledger.prefill);
  out += fmt::format(
      "\nDECODE: one step at the mean context N = {} (input + output/2) x {} sequences\n",
      ledger.decode.step.context_tokens, ledger.decode.step.batch);
  out += RenderPhaseTable(ledger.decode.phases, ledger.decode.totals);
  out += RenderGroups(ledger.decode);
  const ic_phase_cost& sum = ledger.decode_sum.totals;
  out += fmt::format(
      "\nDECODE, ALL {} STEPS (exact sum, contexts {}..{}): FLOPs {} | weights {} | KV read {} | "
      "KV write {} | bytes {}\n",
      ledger.decode_sum.steps, scenario.input_tokens + 1,
      scenario.input_tokens + scenario.output_tokens - 1, FormatFlops(sum.matrix_flops),
      FormatBytes(sum.weight_bytes), FormatBytes(sum.kv_read_bytes),
      FormatBytes(sum.kv_write_bytes), FormatBytes(TotalBytes(sum)));
  out += fmt::format("KV cache: {} per token per sequence (whole model, {})\n",
                     FormatBytes(ledger.kv_cache_bytes_per_token), scenario.kv.name);
  return out;
}

std::string RenderLedgerJson(const Scenario& s, const Ledger& ledger) {
  json scenario = {{"model", s.model.name},
                   {"hardware", s.hardware.name},
                   {"gpus", s.gpus},
                   {"engine", s.engine.name},
                   {"weights", s.weights.name},
                   {"activations", s.activations.name},
                   {"kv", s.kv.name},
                   {"input_tokens", s.input_tokens},
                   {"output_tokens", s.output_tokens},
                   {"concurrency", s.concurrency},
                   {"attention_variant", s.attention_variant},
                   {"attention_kernel", s.attention_kernel}};
  json decode = StageJson(ledger.decode);
  decode["sum"] = {{"steps", ledger.decode_sum.steps},
                   {"phases", PhasesJson(ledger.decode_sum.phases)},
                   {"totals", MetricsJson(ledger.decode_sum.totals)}};
  json root = {{"scenario", scenario},
               {"stages", {{"prefill", StageJson(ledger.prefill)}, {"decode", decode}}},
               {"kv_cache_bytes_per_token", ledger.kv_cache_bytes_per_token}};
  return root.dump(2) + "\n";
}

std::string RenderLedgerCsv(const Scenario& /*scenario*/, const Ledger& ledger) {
  std::string out =
      "stage,section,phase,params,flops,vector_flops,weight_bytes,kv_read_bytes,kv_write_bytes,"
      "activation_bytes,comm_bytes,bytes\n";
  auto rows = [&out](std::string_view stage, const std::vector<ic_phase_cost>& phases) {
    for (const ic_phase_cost& c : phases) {
      out += fmt::format("{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},"
                         "{:.17g}\n",
                         stage, SectionName(PhaseSection(c.phase)), PhaseName(c.phase), c.params,
                         c.matrix_flops, c.vector_flops, c.weight_bytes, c.kv_read_bytes,
                         c.kv_write_bytes, c.activation_bytes, c.comm_bytes, TotalBytes(c));
    }
  };
  rows("prefill", ledger.prefill.phases);
  rows("decode", ledger.decode.phases);
  rows("decode_sum", ledger.decode_sum.phases);
  return out;
}

}  // namespace infercost::framework
