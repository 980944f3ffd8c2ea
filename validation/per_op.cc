#include "validation/per_op.h"

#include <array>
#include <utility>

#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "framework/abi/hardware_plugin.h"
#include "framework/base/status_macros.h"
#include "framework/ledger/builtin_phases.h"
#include "framework/scenario.h"
#include "framework/timing/step_timer.h"
#include "validation/csv_table.h"
#include "validation/row_estimate.h"

namespace infercost::validation {
namespace {

constexpr double kFp16Bytes = 2;

// One GEMM as the framework's ledger costs a projection: M x K activations times K x N weights.
ic_phase_cost GemmCost(ic_phase_id phase, int64_t m, int64_t k, int64_t n) {
  ic_phase_cost cost{};
  cost.struct_size = sizeof(ic_phase_cost);
  cost.phase = phase;
  const double md = static_cast<double>(m), kd = static_cast<double>(k),
               nd = static_cast<double>(n);
  cost.params = kd * nd;
  cost.matrix_flops = 2 * md * kd * nd;
  cost.weight_bytes = kFp16Bytes * kd * nd;
  cost.activation_bytes = kFp16Bytes * md * (kd + nd);
  cost.gemm_m = m;
  cost.gemm_n = n;
  cost.gemm_k = k;
  cost.gemm_count = 1;
  return cost;
}

// A timer for `hardware` with `engine`'s calibration, fp16 operands and a TP group of `tp`.
absl::StatusOr<std::pair<framework::Scenario, framework::HardwarePlugin>> MakeTimer(
    const registry::Presets& presets, const framework::PluginSet& plugins,
    const std::string& hardware, const std::string& engine, int64_t tp) {
  framework::ScenarioRequest request;
  request.allow_beyond_context = true;  // a measured run: the context really was served
  request.model = "llama-3-8b";  // any model whose heads divide by 1..8; only the device matters
  request.hardware = hardware;
  request.engine = engine;
  request.gpus = tp;
  request.tp = tp;
  request.weights = "fp16";
  request.activations = "fp16";
  request.kv = "fp16";
  ASSIGN_OR_RETURN(framework::Scenario scenario, MakeScenario(request, presets));
  ASSIGN_OR_RETURN(auto plugin,
                   plugins.Find(IC_PLUGIN_KIND_HARDWARE, scenario.hardware.plugin, [&scenario] {
                     return fmt::format("hardware '{}' ({}): plugin", scenario.hardware.name,
                                        scenario.hardware.source);
                   }));
  return std::pair<framework::Scenario, framework::HardwarePlugin>(
      std::move(scenario), framework::HardwarePlugin(std::move(plugin)));
}

absl::StatusOr<double> TimeOne(const registry::Presets& presets,
                               const framework::PluginSet& plugins, const std::string& hardware,
                               const std::string& engine, int64_t tp, const ic_phase_cost& cost) {
  ASSIGN_OR_RETURN(auto timer_parts, MakeTimer(presets, plugins, hardware, engine, tp));
  const framework::Scenario& scenario = timer_parts.first;
  const framework::StepTimer timer(timer_parts.second, scenario.hardware,
                                   framework::ExecutionOf(scenario));
  if (cost.comm_bytes > 0) {
    // A measured collective over the run's `tp` workers, inside one node unless they exceed it.
    framework::Step step;
    step.tensor_parallel = tp;
    step.gpus_per_node = scenario.hardware.gpus_per_node;
    return timer.TimeCollective(cost, framework::CollectiveOf(cost.phase, step));
  }
  return timer.TimePhases({cost}, 1);
}

// "0.1900ms" -> 1.9e-4 s.
absl::StatusOr<double> Milliseconds(const CsvRow& row, int column) {
  std::string text = row.fields.at(static_cast<size_t>(column));
  double value = 0;
  const bool ms = text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0;
  if (ms) text.resize(text.size() - 2);
  if (!ms || !absl::SimpleAtod(text, &value) || value <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}: '{}' is not a time in ms", row.source, row.fields[column]));
  }
  return value * 1e-3;
}

absl::Status LlmcompassMatmul(const CsvTable& table, const PerOpFile& file,
                              const registry::Presets& presets, const framework::PluginSet& plugins,
                              const std::string& engine, const std::string& group,
                              std::vector<PerOpResult>& out) {
  for (const CsvRow& row : table.rows) {
    if (row.fields.size() < 4) {
      return absl::InvalidArgumentError(fmt::format("{}: expected M, K, N, latency", row.source));
    }
    ASSIGN_OR_RETURN(int64_t m, CsvInt(row, 0, "M", 0));
    ASSIGN_OR_RETURN(int64_t k, CsvInt(row, 1, "K", 0));
    ASSIGN_OR_RETURN(int64_t n, CsvInt(row, 2, "N", 0));
    ASSIGN_OR_RETURN(double measured, Milliseconds(row, 3));
    ASSIGN_OR_RETURN(double predicted, TimeOne(presets, plugins, file.hardware, engine, 1,
                                               GemmCost(IC_PHASE_FFN_UP, m, k, n)));
    out.push_back({row.source, group, file.hardware, "matmul",
                   fmt::format("M={} K={} N={}", m, k, n), PerOpKind::kGemm, measured, predicted,
                   predicted / measured - 1});
  }
  return absl::OkStatus();
}

absl::Status VidurMlp(const CsvTable& table, const PerOpFile& file,
                      const registry::Presets& presets, const framework::PluginSet& plugins,
                      const std::string& engine, const std::string& group,
                      std::vector<PerOpResult>& out) {
  ASSIGN_OR_RETURN(int heads_c, table.Column("n_head"));
  ASSIGN_OR_RETURN(int kv_heads_c, table.Column("n_kv_head"));
  ASSIGN_OR_RETURN(int embd_c, table.Column("n_embd"));
  ASSIGN_OR_RETURN(int ffn_c, table.Column("n_expanded_embd"));
  ASSIGN_OR_RETURN(int gated_c, table.Column("use_gated_mlp"));
  ASSIGN_OR_RETURN(int tokens_c, table.Column("num_tokens"));
  ASSIGN_OR_RETURN(int tp_c, table.Column("num_tensor_parallel_workers"));
  struct Op {
    const char* name;
    ic_phase_id phase;
  };
  for (const CsvRow& row : table.rows) {
    ASSIGN_OR_RETURN(int64_t heads, CsvInt(row, heads_c, "n_head", 0));
    ASSIGN_OR_RETURN(int64_t kv_heads, CsvInt(row, kv_heads_c, "n_kv_head", 0));
    ASSIGN_OR_RETURN(int64_t d, CsvInt(row, embd_c, "n_embd", 0));
    ASSIGN_OR_RETURN(int64_t ffn, CsvInt(row, ffn_c, "n_expanded_embd", 0));
    ASSIGN_OR_RETURN(int64_t tokens, CsvInt(row, tokens_c, "num_tokens", 0));
    ASSIGN_OR_RETURN(int64_t tp, CsvInt(row, tp_c, "num_tensor_parallel_workers", 0));
    const bool gated = row.fields[gated_c] == "True" || row.fields[gated_c] == "true";
    if (heads <= 0 || kv_heads <= 0 || d <= 0 || ffn <= 0 || tokens <= 0 || tp <= 0) {
      return absl::InvalidArgumentError(fmt::format("{}: non-positive shape field", row.source));
    }
    const int64_t head_dim = d / heads;
    // The shapes vidur's profiler runs per GPU (column-parallel QKV and gate+up, row-parallel
    // O and down).
    const std::vector<std::pair<Op, std::array<int64_t, 2>>> ops = {
        {{"attn_pre_proj", IC_PHASE_Q_PROJ}, {d, (heads + 2 * kv_heads) * head_dim / tp}},
        {{"attn_post_proj", IC_PHASE_O_PROJ}, {heads * head_dim / tp, d}},
        {{"mlp_up_proj", IC_PHASE_FFN_UP}, {d, (gated ? 2 : 1) * ffn / tp}},
        {{"mlp_down_proj", IC_PHASE_FFN_DOWN}, {ffn / tp, d}}};
    for (const auto& [op, kn] : ops) {
      ASSIGN_OR_RETURN(int column, table.Column(fmt::format("time_stats.{}.median", op.name)));
      ASSIGN_OR_RETURN(double measured_ms, CsvNumber(row, column, op.name));
      if (measured_ms <= 0) {
        return absl::InvalidArgumentError(fmt::format("{}: {} <= 0", row.source, op.name));
      }
      ASSIGN_OR_RETURN(double predicted, TimeOne(presets, plugins, file.hardware, engine, 1,
                                                 GemmCost(op.phase, tokens, kn[0], kn[1])));
      const double measured = measured_ms * 1e-3;
      out.push_back({row.source, group, file.hardware, op.name,
                     fmt::format("M={} K={} N={} (TP {})", tokens, kn[0], kn[1], tp),
                     PerOpKind::kGemm, measured, predicted, predicted / measured - 1});
    }
  }
  return absl::OkStatus();
}

absl::Status VidurAllReduce(const CsvTable& table, const PerOpFile& file,
                            const registry::Presets& presets, const framework::PluginSet& plugins,
                            const std::string& engine, const std::string& group,
                            std::vector<PerOpResult>& out) {
  ASSIGN_OR_RETURN(int time_c, table.Column("time_stats.all_reduce.median"));
  ASSIGN_OR_RETURN(int workers_c, table.Column("num_workers"));
  ASSIGN_OR_RETURN(int per_node_c, table.Column("devices_per_node"));
  ASSIGN_OR_RETURN(int size_c, table.Column("size"));
  for (const CsvRow& row : table.rows) {
    ASSIGN_OR_RETURN(int64_t workers, CsvInt(row, workers_c, "num_workers", 0));
    ASSIGN_OR_RETURN(int64_t per_node, CsvInt(row, per_node_c, "devices_per_node", 0));
    ASSIGN_OR_RETURN(double bytes, CsvNumber(row, size_c, "size"));
    ASSIGN_OR_RETURN(double measured_ms, CsvNumber(row, time_c, "all_reduce median"));
    if (workers < 2 || per_node != workers || bytes <= 0 || measured_ms <= 0) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: expected one node (devices_per_node = num_workers >= 2) and positive size and "
          "time",
          row.source));
    }
    ic_phase_cost cost{};
    cost.struct_size = sizeof(ic_phase_cost);
    cost.phase = IC_PHASE_ATTN_ALL_REDUCE;
    cost.comm_bytes = bytes;
    ASSIGN_OR_RETURN(double predicted,
                     TimeOne(presets, plugins, file.hardware, engine, workers, cost));
    const double measured = measured_ms * 1e-3;
    out.push_back({row.source, group, file.hardware, "all_reduce",
                   fmt::format("{} GPUs, {} B", workers, static_cast<int64_t>(bytes)),
                   PerOpKind::kAllReduce, measured, predicted, predicted / measured - 1});
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<PerOpFile> DefaultPerOpFiles() {
  return {{"per_op/llmcompass_matmul_A100.csv", "llmcompass_matmul", "a100-80gb", "vllm"},
          {"per_op/a100_meta-llama_Meta-Llama-3-8B_mlp.csv", "vidur_mlp", "a100-80gb", "vllm"},
          {"per_op/h100_meta-llama_Llama-2-7b-hf_mlp.csv", "vidur_mlp", "h100-sxm", "vllm"},
          {"per_op/a100_dgx_all_reduce.csv", "vidur_all_reduce", "a100-80gb", "pytorch"},
          {"per_op/h100_dgx_all_reduce.csv", "vidur_all_reduce", "h100-sxm", "pytorch"}};
}

absl::StatusOr<PerOpValidation> ValidatePerOp(const std::string& data_dir,
                                              const std::vector<PerOpFile>& files,
                                              const registry::Presets& presets,
                                              const framework::PluginSet& plugins,
                                              const std::string& engine,
                                              const std::string& hardware) {
  PerOpValidation v;
  std::vector<double> gemm, all_reduce;
  for (const PerOpFile& file : files) {
    if (!hardware.empty() && file.hardware != hardware) continue;
    const std::string& calibration = engine.empty() ? file.engine : engine;
    const std::string path = data_dir + "/" + file.path;
    const bool has_header = file.format != "llmcompass_matmul";
    ASSIGN_OR_RETURN(CsvTable table, ReadCsvTable(path, has_header));
    const bool is_all_reduce = file.format == "vidur_all_reduce";
    const std::string group = fmt::format("{} {} {} ({})", is_all_reduce ? "all_reduce" : "gemm",
                                          file.hardware, file.path, calibration);
    std::vector<PerOpResult> rows;
    if (file.format == "llmcompass_matmul") {
      RETURN_IF_ERROR(LlmcompassMatmul(table, file, presets, plugins, calibration, group, rows));
    } else if (file.format == "vidur_mlp") {
      RETURN_IF_ERROR(VidurMlp(table, file, presets, plugins, calibration, group, rows));
    } else if (is_all_reduce) {
      RETURN_IF_ERROR(VidurAllReduce(table, file, presets, plugins, calibration, group, rows));
    } else {
      return absl::InvalidArgumentError(
          fmt::format("{}: unknown per-op format '{}'", file.path, file.format));
    }
    if (rows.empty()) {  // (a median of nothing would read as a perfect 0 %)
      return absl::InvalidArgumentError(
          fmt::format("{}: no measurement rows; give the file with its rows", path));
    }
    PerOpGroup summary;
    summary.name = group;
    summary.kind = is_all_reduce ? PerOpKind::kAllReduce : PerOpKind::kGemm;
    summary.rows = static_cast<int64_t>(rows.size());
    std::vector<double> errors;
    double sum = 0;
    for (const PerOpResult& r : rows) {
      errors.push_back(r.relative_error);
      sum += r.relative_error;
      (is_all_reduce ? all_reduce : gemm).push_back(r.relative_error);
    }
    summary.mean_error = rows.empty() ? 0 : sum / static_cast<double>(rows.size());
    summary.median_abs_error = MedianAbsolute(std::move(errors));
    v.groups.push_back(std::move(summary));
    for (PerOpResult& r : rows) v.results.push_back(std::move(r));
  }
  v.gemm_median_abs_error = MedianAbsolute(std::move(gemm));
  v.all_reduce_median_abs_error = MedianAbsolute(std::move(all_reduce));
  return v;
}

}  // namespace infercost::validation
