#include "validation/aic_serving.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "framework/error_band.h"
#include "framework/estimate.h"
#include "validation/aic_disagg_layouts.h"
#include "validation/aic_parallelism.h"
#include "validation/csv_table.h"
#include "validation/measured_names.h"
#include "validation/row_estimate.h"

namespace infercost::validation {
namespace {

// Whether two measured values as written are one measurement: within half a unit of the last
// digit of the one written with fewer digits (a dump that rounds to 2 decimals writes
// 2688.7035179373925 as 2688.70), or of the 12th significant digit (two writings of one double
// differ in their 16th or 17th; a number in exponent notation: that digit only).
bool OneMeasurement(const std::string& a, const std::string& b) {
  double x = 0, y = 0;
  if (!absl::SimpleAtod(a, &x) || !absl::SimpleAtod(b, &y)) return a == b;
  const int digits = std::min(DecimalsWritten(a), DecimalsWritten(b));
  const double last_digit = digits < 0 ? 0 : 0.5 * std::pow(10.0, -digits);
  return std::abs(x - y) <= last_digit + 1e-12 * std::max(std::abs(x), std::abs(y));
}

// The rows of one group (engine x device x model x weights x regime, a class, a regime or a
// regime label) and what their summary is made of.
struct GroupRows {
  std::set<int64_t> tp;
  std::vector<double> errors;       // TPOT
  int64_t in_band = 0;              // TPOTs inside their band
  std::vector<double> ttft_errors;  // served TTFTs only

  AicGroup Summarise() const {
    AicGroup group;
    group.tp.assign(tp.begin(), tp.end());
    group.rows = static_cast<int64_t>(errors.size());
    group.in_band =
        errors.empty() ? 0 : static_cast<double>(in_band) / static_cast<double>(errors.size());
    double sum = 0;
    for (double e : errors) sum += e;
    group.mean_error = errors.empty() ? 0 : sum / static_cast<double>(errors.size());
    group.p90_abs_error = QuantileAbsolute(errors, 0.9);
    group.median_abs_error = MedianAbsolute(errors);
    group.ttft_rows = static_cast<int64_t>(ttft_errors.size());
    group.ttft_p90_abs_error = QuantileAbsolute(ttft_errors, 0.9);
    group.ttft_median_abs_error = MedianAbsolute(ttft_errors);
    return group;
  }
};

}  // namespace

double MeasuredTtftOf(const framework::Summary& summary, double requests_per_client) {
  if (!summary.serving || summary.serving->burst_ttft_s <= 0) return summary.ttft_s;
  return (summary.serving->burst_ttft_s + (requests_per_client - 1) * summary.ttft_s) /
         requests_per_client;
}

absl::StatusOr<std::vector<AicRow>> ParseAicServingCsv(const std::string& text,
                                                       const std::string& name) {
  ASSIGN_OR_RETURN(CsvTable table, ParseCsvTable(text, name, /*has_header=*/true));
  ASSIGN_OR_RETURN(int backend, table.Column("backend"));
  ASSIGN_OR_RETURN(int version, table.Column("backend_version"));
  ASSIGN_OR_RETURN(int model, table.Column("model_path"));
  ASSIGN_OR_RETURN(int system, table.Column("system"));
  ASSIGN_OR_RETURN(int precision, table.Column("precision"));
  ASSIGN_OR_RETURN(int mode, table.Column("mode"));
  ASSIGN_OR_RETURN(int isl, table.Column("isl"));
  ASSIGN_OR_RETURN(int osl, table.Column("osl"));
  ASSIGN_OR_RETURN(int batch, table.Column("batch_size"));
  ASSIGN_OR_RETURN(int tp, table.Column("tp_size"));
  ASSIGN_OR_RETURN(int pp, table.Column("pp_size"));
  ASSIGN_OR_RETURN(int dp, table.Column("attention_dp_size"));
  ASSIGN_OR_RETURN(int ep, table.Column("moe_ep_size"));
  ASSIGN_OR_RETURN(int tpot, table.Column("silicon_tpot_ms"));
  const absl::StatusOr<int> ttft = table.Column("silicon_ttft_ms");
  const absl::StatusOr<int> data_source = table.Column("silicon_data_source");
  const absl::StatusOr<int> id = table.Column("id");
  const absl::StatusOr<int> moe_tp = table.Column("moe_tp_size");
  // Disaggregated pools: column -> field, for prefill_ and decode_.
  struct PoolColumn {
    const char* suffix;
    int64_t AicRow::Pool::*field;
    int64_t fallback;
  };
  const PoolColumn kPoolColumns[] = {{"num_workers", &AicRow::Pool::workers, 0},
                                     {"batch_size", &AicRow::Pool::batch, 0},
                                     {"tp_size", &AicRow::Pool::tp, 1},
                                     {"pp_size", &AicRow::Pool::pp, 1},
                                     {"attention_dp_size", &AicRow::Pool::attention_dp, 1},
                                     {"moe_ep_size", &AicRow::Pool::moe_ep, 1}};
  // The columns that say where a row came from, not what was run and measured (a copy of a run
  // differs from it in these only; of silicon_data_source, the stated concurrency is compared).
  std::vector<bool> provenance(table.header.size(), false);
  for (const int column : {model, version}) provenance[column] = true;
  for (const char* name : {"id", "silicon_data_source"}) {
    if (const absl::StatusOr<int> column = table.Column(name); column.ok()) {
      provenance[*column] = true;
    }
  }
  // Each run's other columns, and its stated concurrency, -> its row in `rows`.
  std::map<std::pair<std::vector<std::string>, int64_t>, size_t> runs;
  // Each measurement's key (engine, device, precision, mode, lengths, stated concurrency) -> the
  // rows in `rows` measured at it, with their measured TTFT and TPOT as written.
  struct Written {
    size_t row;
    std::string ttft, tpot;
  };
  std::map<std::vector<std::string>, std::vector<Written>> measurements;
  std::vector<AicRow> rows;
  for (const CsvRow& r : table.rows) {
    AicRow row;
    row.source = r.source;
    row.backend = r.fields[backend];
    row.backend_version = r.fields[version];
    row.model_path = r.fields[model];
    row.system = r.fields[system];
    row.precision = r.fields[precision];
    row.mode = r.fields[mode];
    ASSIGN_OR_RETURN(row.isl, CsvInt(r, isl, "isl", 0));
    ASSIGN_OR_RETURN(row.osl, CsvInt(r, osl, "osl", 0));
    ASSIGN_OR_RETURN(row.batch_size, CsvInt(r, batch, "batch_size", 0));
    for (auto [pool, prefix] :
         {std::pair{&row.prefill, "prefill_"}, std::pair{&row.decode, "decode_"}}) {
      for (const PoolColumn& c : kPoolColumns) {
        const std::string name = std::string(prefix) + c.suffix;
        const absl::StatusOr<int> column = table.Column(name);
        if (!column.ok()) continue;
        ASSIGN_OR_RETURN(pool->*c.field, CsvInt(r, *column, name, c.fallback));
      }
      if (pool->moe_ep == 0) pool->moe_ep = 1;
    }
    // The run's client concurrency as the source states it ("silicon_concurrency=N"), 0 if not.
    int64_t stated_concurrency = 0;
    {
      const std::string key = "silicon_concurrency=";
      const std::string source = data_source.ok() ? r.fields[*data_source] : "";
      if (const size_t at = source.find(key); at != std::string::npos) {
        stated_concurrency = std::atoll(source.c_str() + at + key.size());
      }
    }
    row.inferencex = AicInferenceXRun(data_source.ok() ? r.fields[*data_source] : "");
    if (row.mode == "disagg" && row.batch_size == 0) {
      // The run's concurrency: the stated one, else the decode pool full.
      row.batch_size = stated_concurrency > 0
                           ? stated_concurrency
                           : row.decode.batch * std::max<int64_t>(row.decode.workers, 1) *
                                 row.decode.attention_dp;
    }
    ASSIGN_OR_RETURN(row.tp, CsvInt(r, tp, "tp_size", 1));
    ASSIGN_OR_RETURN(row.pp, CsvInt(r, pp, "pp_size", 1));
    ASSIGN_OR_RETURN(row.attention_dp, CsvInt(r, dp, "attention_dp_size", 1));
    ASSIGN_OR_RETURN(row.moe_ep, CsvInt(r, ep, "moe_ep_size", 1));
    ASSIGN_OR_RETURN(row.tpot_ms, CsvNumber(r, tpot, "silicon_tpot_ms"));
    if (row.mode != "agg" && row.mode != "disagg") {
      return absl::InvalidArgumentError(fmt::format(
          "{}: mode = '{}'; a row is 'agg' (one server) or 'disagg' (prefill and decode pools)",
          r.source, row.mode));
    }
    if (ttft.ok() && !r.fields[*ttft].empty()) {
      ASSIGN_OR_RETURN(row.ttft_ms, CsvNumber(r, *ttft, "silicon_ttft_ms"));
      if (!(row.ttft_ms > 0)) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: silicon_ttft_ms = {} is not a positive time; leave the field empty where nothing "
            "was measured",
            r.source, r.fields[*ttft]));
      }
    }
    if (row.moe_ep == 0) row.moe_ep = 1;  // some dense-model rows write 0: no experts
    if (row.mode != "disagg") {
      // The GPUs the run had, where the file squares them (validation/aic_parallelism.h); one
      // attention-DP rank's batch keeps the run's clients.
      int64_t written_moe_tp = 1;
      if (moe_tp.ok()) {
        ASSIGN_OR_RETURN(written_moe_tp, CsvInt(r, *moe_tp, "moe_tp_size", 1));
      }
      const AicParallelism written{.tp = row.tp,
                                   .attention_dp = row.attention_dp,
                                   .moe_tp = written_moe_tp,
                                   .moe_ep = row.moe_ep};
      if (const AicParallelism ran = RunParallelism(id.ok() ? r.fields[*id] : "", written);
          ran != written) {
        row.batch_size = row.batch_size * row.attention_dp / ran.attention_dp;
        row.tp = ran.tp;
        row.attention_dp = ran.attention_dp;
        row.moe_ep = ran.moe_ep;
      }
    }
    // Clients the benchmark ran. With attention data parallelism aiconfigurator's batch_size is
    // one DP rank's batch: on every such row that states its concurrency (137 of 138 visible
    // attention-DP agg rows) silicon_concurrency = batch_size x attention_dp_size.
    row.concurrency = row.batch_size;
    if (row.mode != "disagg" && row.attention_dp > 1 && stated_concurrency > 0) {
      row.concurrency = stated_concurrency;
    }
    // Disaggregated rows describe their pools in prefill_* / decode_* columns instead.
    const bool agg = row.mode != "disagg";
    const auto pool_ok = [](const AicRow::Pool& p) {
      return p.workers >= 0 && p.batch >= 0 && p.tp > 0 && p.pp > 0 && p.attention_dp > 0 &&
             p.moe_ep > 0;
    };
    if (row.isl <= 0 || row.osl <= 0 || row.tpot_ms <= 0 || row.batch_size <= 0 ||
        (agg && (row.tp <= 0 || row.pp <= 0 || row.attention_dp <= 0 || row.moe_ep <= 0)) ||
        (!agg && !(pool_ok(row.prefill) && pool_ok(row.decode)))) {
      const auto pool = [](const AicRow::Pool& p) {
        return fmt::format("workers {} batch {} tp {} pp {} attention_dp {} moe_ep {}", p.workers,
                           p.batch, p.tp, p.pp, p.attention_dp, p.moe_ep);
      };
      return absl::InvalidArgumentError(fmt::format(
          "{}: isl, osl, batch_size, parallel sizes and silicon_tpot_ms must be positive; the row "
          "has isl {}, osl {}, batch_size {}, silicon_tpot_ms {}, {}",
          r.source, row.isl, row.osl, row.batch_size, row.tpot_ms,
          agg ? fmt::format("tp {}, pp {}, attention_dp {}, moe_ep {}", row.tp, row.pp,
                            row.attention_dp, row.moe_ep)
              : fmt::format("prefill pool {}, decode pool {}", pool(row.prefill),
                            pool(row.decode))));
    }
    std::vector<std::string> measured_run;
    for (size_t c = 0; c < r.fields.size(); ++c) {
      if (c >= provenance.size() || !provenance[c]) measured_run.push_back(r.fields[c]);
    }
    const auto [run, first] =
        runs.try_emplace({std::move(measured_run), stated_concurrency}, rows.size());
    if (!first) {
      rows[run->second].copies.push_back(row.source);
      continue;
    }
    // The same measurement written again under another description (the dumps describe one run
    // differently: its layout squared, a disaggregated run with or without its worker counts, its
    // times rounded to fewer digits): one run, counted once. Kept: the description with the
    // disaggregated run's worker counts, else the one with the times' every digit.
    const Written times{rows.size(), ttft.ok() ? r.fields[*ttft] : "", r.fields[tpot]};
    if (!times.ttft.empty()) {
      std::vector<Written>& at_key =
          measurements[{row.backend, row.system, row.precision, row.mode, r.fields[isl],
                        r.fields[osl], std::to_string(stated_concurrency)}];
      const auto same = std::find_if(at_key.begin(), at_key.end(), [&](const Written& w) {
        return OneMeasurement(w.ttft, times.ttft) && OneMeasurement(w.tpot, times.tpot);
      });
      if (same != at_key.end()) {
        run->second = same->row;  // (later exact copies of this row: copies of the run)
        AicRow& kept = rows[same->row];
        const bool more_digits = DecimalsWritten(times.ttft) + DecimalsWritten(times.tpot) >
                                 DecimalsWritten(same->ttft) + DecimalsWritten(same->tpot);
        const bool fuller = AicPoolsDescribed(row) != AicPoolsDescribed(kept)
                                ? AicPoolsDescribed(row)
                                : more_digits;
        if (fuller) {
          row.copies = std::move(kept.copies);
          row.copies.push_back(kept.source);
          kept = std::move(row);
          same->ttft = times.ttft;
          same->tpot = times.tpot;
        } else {
          kept.copies.push_back(row.source);
        }
        continue;
      }
      at_key.push_back(times);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<AicRow>> ReadAicServingCsv(const std::string& path,
                                                      const std::string& layouts_dir) {
  ASSIGN_OR_RETURN(const std::string text, ReadCsvText(path));
  ASSIGN_OR_RETURN(std::vector<AicRow> rows, ParseAicServingCsv(text, path));
  std::filesystem::path layouts =
      std::filesystem::path(path).parent_path() / kInferenceXDisaggLayoutsFile;
  if (!std::filesystem::exists(layouts) && !layouts_dir.empty()) {
    layouts = std::filesystem::path(layouts_dir) / kInferenceXDisaggLayoutsFile;
  }
  if (std::filesystem::exists(layouts)) {
    ASSIGN_OR_RETURN(const std::vector<DisaggLayout> known, ReadDisaggLayouts(layouts.string()));
    ApplyDisaggLayouts(known, rows);
  }
  return rows;
}

absl::StatusOr<std::string> AicWeights(const AicRow& row) {
  // aiconfigurator's quantisation labels that are not infercost dtype names: the weights' dtype.
  static const std::vector<std::pair<const char*, const char*>> kLabels = {
      {"", "bf16"},        {"bfloat16", "bf16"}, {"float16", "fp16"}, {"fp8_block", "fp8"},
      {"w4afp8", "int4"},  {"w4a8", "int4"},     {"w4a16", "int4"},   {"int4_wo", "int4"},
      {"int8_wo", "int8"}, {"w8a8", "int8"},     {"int8_sq", "int8"}, {"w4a16_mxfp4", "mxfp4"}};
  const std::string label = absl::AsciiStrToLower(row.precision);
  const std::string weights = [&] {
    for (const auto& [from, to] : kLabels) {
      if (label == from) return std::string(to);
    }
    return label;
  }();
  absl::StatusOr<registry::DType> dtype =
      registry::ParseWeightDType(weights, registry::Fp4Format::kNvfp4);
  if (!dtype.ok()) {
    return absl::NotFoundError(fmt::format("{}: precision '{}': {}", row.source, row.precision,
                                           std::string(dtype.status().message())));
  }
  return weights;
}

absl::StatusOr<framework::ScenarioRequest> AicScenarioRequest(const AicRow& row,
                                                              const registry::Presets& presets,
                                                              const std::string& mode) {
  framework::ScenarioRequest request;
  request.mode = mode;
  request.allow_beyond_context = true;  // a measured run: the context really was served
  RETURN_IF_ERROR(SetMeasuredPresets(row.source, row.model_path, row.system, presets, request));
  request.engine = AicEnginePreset(row);
  ASSIGN_OR_RETURN(request.weights, AicWeights(row));
  request.activations = "bf16";
  // The engines' FP8 KV cache in the fp8 and fp4 deployments.
  request.kv = absl::StrContains(row.precision, "fp8") || absl::StrContains(row.precision, "fp4")
                   ? "fp8"
                   : "bf16";
  request.tp = row.tp;
  request.pp = row.pp;
  request.dp = row.attention_dp;
  request.ep = row.moe_ep;
  request.gpus = row.tp * row.pp * row.attention_dp;
  if (row.mode == "disagg") {
    request.mode = "disagg";
    for (auto [to, from] : {std::pair{&request.prefill_pool, &row.prefill},
                            std::pair{&request.decode_pool, &row.decode}}) {
      to->workers = std::max<int64_t>(from->workers, 1);
      to->tp = from->tp;
      to->pp = from->pp;
      to->dp = from->attention_dp;
      to->ep = from->moe_ep;
      to->gpus = from->tp * from->pp * from->attention_dp;
      to->max_batch = from->batch;
    }
    request.tp = row.decode.tp;
    request.pp = row.decode.pp;
    request.dp = row.decode.attention_dp;
    request.ep = row.decode.moe_ep;
    request.gpus = request.decode_pool.gpus;
  }
  request.input_tokens = row.isl;
  request.output_tokens = row.osl;
  if (request.mode != "static") request.length_range_ratio = AicLengthRangeRatio(row);
  request.concurrency = row.concurrency > 0 ? row.concurrency : row.batch_size;
  request.max_batched_tokens = AicTokenBudget(row);
  if (request.mode == "serving") request.engine_settings = AicRecipeSettings(row);
  const AicSpeculation drafts = AicRecipeSpeculation(row);
  request.speculative_tokens = drafts.tokens;
  request.acceptance = drafts.acceptance;
  return request;
}

bool AicPoolsDescribed(const AicRow& row) {
  return row.mode == "disagg" && row.prefill.workers > 0 && row.decode.workers > 0;
}

bool AicInferenceXRun(const std::string& data_source) {
  const std::string dated = "source_file=YYYY-MM-DD.csv";
  bool dated_file =
      absl::StartsWith(data_source, "source_file=") && data_source.size() >= dated.size();
  for (size_t i = std::string("source_file=").size(); dated_file && i < dated.size(); ++i) {
    const char want = dated[i], got = data_source[i];
    dated_file = want == 'Y' || want == 'M' || want == 'D' ? absl::ascii_isdigit(got) : got == want;
  }
  return absl::StartsWith(data_source, "db-dump/") || dated_file;
}

double AicLengthRangeRatio(const AicRow& row) {
  // InferenceX's benchmark draws each request's lengths uniformly from [int(length x
  // RANDOM_RANGE_RATIO), length], 0.8 unless a workflow sets another
  // (SemiAnalysisAI/InferenceX .github/workflows/benchmark-tmpl.yml, `RANDOM_RANGE_RATIO: 0.8`,
  // passed as --random-range-ratio to utils/bench_serving/benchmark_serving.py, whose
  // sample_random_requests draws them). Other sources (the aiconfigurator team's gap analyses,
  // aiperf with --isl-stddev) do not say: one length.
  constexpr double kInferenceXRangeRatio = 0.8;
  return row.inferencex ? kInferenceXRangeRatio : 1.0;
}

std::string AicEnginePreset(const AicRow& row) {
  const std::string& v = row.backend_version;
  if (row.backend == "trtllm" && (v == "1.0" || absl::StartsWith(v, "1.0."))) return "trtllm-1.0";
  return row.backend;
}

std::vector<std::pair<std::string, double>> AicRecipeSettings(const AicRow& row) {
  const bool deepseek = absl::StrContains(row.model_path, "DeepSeek-R1") ||
                        absl::StrContains(row.model_path, "DeepSeek-V3");
  if (row.inferencex && row.backend == "sglang" && row.mode == "agg" &&
      DeviceName(row.system) == "b200") {
    // SGLang's --scheduler-recv-interval in InferenceX's B200 recipes ("recv every ~10 requests;
    // if CONC >= 16, relax to ~30"): dsr1_fp4_b200.sh and dsr1_fp8_b200.sh (its TP 4 branch, 8k /
    // 1k only, 10 at any concurrency), qwen3.5_fp8_b200.sh, qwen3.5_bf16_b200.sh (PR #758,
    // "scheduler-recv-interval based on concurrency"); qwen3.5_fp4_b200.sh 30 at any. The GLM-5
    // recipe sets none.
    const bool qwen35 = absl::StrContains(row.model_path, "Qwen3.5");
    if (!deepseek && !qwen35) return {};
    const bool relaxed = row.concurrency >= 16;
    double interval = relaxed ? 30 : 10;
    if (deepseek && row.precision == "fp8" && row.tp == 4) interval = 10;
    if (qwen35 && row.precision == "fp4") interval = 30;
    return {{"scheduler_recv_interval", interval}};
  }
  if (!row.inferencex || row.backend != "trtllm" || row.mode != "agg") return {};
  const bool one_k_each = row.isl == 1024 && row.osl == 1024;
  // Every DeepSeek-R1 TensorRT-LLM recipe (benchmarks/dsr1_fp4_b200_trt.sh, dsr1_fp8_b200_trt.sh,
  // their _mtp and H200 variants) writes, with DP_ATTENTION=true, `attention_dp_config:
  // batching_wait_iters: 0, enable_balance: true, timeout_iters: 60`.
  if (deepseek && row.attention_dp > 1) return {{"attention_dp_balance_steps", 60}};
  // dsr1_fp8_b200_trt.sh of the 1.2.0rc6.post2 image (InferenceX PR #594, "delay batching for
  // 1k1k high-concurrency"): `elif [[ $CONC -ge 64 ]]; then ... DELAY_BATCHING="true"` under
  // ISL = OSL = 1024, which writes `batch_wait_timeout_iters: 40, batch_wait_max_tokens_ratio:
  // 0.8` (TensorRT-LLM applies them only without attention DP). A B200 recipe: B200 rows only.
  if (deepseek && row.precision == "fp8" && row.backend_version == "1.2.0rc6.post2" && one_k_each &&
      row.concurrency >= 64 && DeviceName(row.system) == "b200") {
    return {{"batch_wait_timeout_steps", 40}, {"batch_wait_max_tokens_ratio", 0.8}};
  }
  // The Llama-3.1-70B recipes (70b_fp4_b200_trt_slurm.sh, 70b_fp8_b200_trt_slurm.sh, and
  // 70b_fp8_h200_trt_slurm.sh the same): `if [[ "$ISL" == "1024" && "$OSL" == "1024" && ${TP}
  // -lt 8 ]]` then `batch_wait_max_tokens_ratio: 0.9, batch_wait_timeout_iters: 20`; every one
  // starts `--num_postprocess_workers 2`.
  if (absl::StrContains(row.model_path, "Llama-3.1-70B")) {
    if (one_k_each && row.tp < 8) {
      return {{"batch_wait_timeout_steps", 20},
              {"batch_wait_max_tokens_ratio", 0.9},
              {"postprocess_workers", 2}};
    }
    return {{"postprocess_workers", 2}};
  }
  // The gpt-oss-120b recipes (gptoss_fp4_b200_trt.sh, gptoss_fp4_b200_trt_slurm.sh, every version
  // read): `num_postprocess_workers: 4`. The DeepSeek-R1 recipes set none (trtllm-serve's 0).
  if (absl::StrContains(row.model_path, "gpt-oss")) return {{"postprocess_workers", 4}};
  return {};
}

AicSpeculation AicRecipeSpeculation(const AicRow& row) {
  if (row.mode == "disagg") {
    if (row.recipe_drafts <= 0) return {};
    return {row.recipe_drafts, AicMtpAcceptance(row.recipe_drafts)};
  }
  const bool deepseek_r1 = absl::StrContains(row.model_path, "DeepSeek-R1");
  if (!row.inferencex || row.backend != "trtllm" || row.mode != "agg" || !deepseek_r1 ||
      row.backend_version != "1.2.0rc6.post3" || DeviceName(row.system) != "b200") {
    return {};
  }
  // dsr1_fp4_b200_trt_mtp.sh and dsr1_fp8_b200_trt_mtp.sh: `MTP=1` with DP_ATTENTION=true, else
  // `MTP=3`, written as `speculative_config: decoding_type: MTP, num_nextn_predict_layers: ${MTP}`.
  const int64_t drafts = row.attention_dp > 1 ? 1 : 3;
  return {drafts, AicMtpAcceptance(drafts)};
}

std::vector<double> AicMtpAcceptance(int64_t drafts) {
  // ai-dynamo/aiconfigurator's DEFAULT_NEXTN_ACCEPT_RATES, the rates its MTP expectation
  // (calc_mtp_expectation) takes where a run states none.
  constexpr double kRates[] = {0.85, 0.3, 0.0, 0.0, 0.0};
  std::vector<double> rates;
  for (int64_t i = 0; i < drafts; ++i) rates.push_back(i < 5 ? kRates[i] : 0.0);
  return rates;
}

int64_t AicTokenBudget(const AicRow& row) {
  // aiconfigurator's generator (ai-dynamo/aiconfigurator, src/aiconfigurator/generator/
  // rule_plugin/vllm.rule and trtllm.rule, applied line by line by rendering/rule_engine.py):
  // first `agg_decode max_batch_size = 512 if max_batch_size < 512 else 2 x max_batch_size`, then
  // `agg max_num_tokens = max_batch_size + isl + 1500` with that max_batch_size, and `prefill
  // max_num_tokens = isl + 1500`; TensorRT-LLM's rounded up to its 32-token KV blocks. The row's
  // batch_size (one attention-DP rank's) is the max_batch_size the rules start from. A
  // disaggregated decode worker never prefills, so its budget is its prefill pool's. SGLang's rule
  // (max_prefill_tokens = isl + 1500) is left out: its rows fit worse with it
  // (docs/calibration.md, "The deployments' token budget").
  const int64_t margin = 1500;
  int64_t budget = 0;
  if (row.backend == "vllm" || row.backend == "trtllm") {
    constexpr int64_t kLeastMaxBatch = 512;  // the rules' floor, below which they do not double
    const int64_t max_batch_size =
        row.batch_size < kLeastMaxBatch ? kLeastMaxBatch : 2 * row.batch_size;
    budget = row.isl + margin + (row.mode == "disagg" ? 0 : max_batch_size);
  }
  if (row.backend == "trtllm") {
    constexpr int64_t kTokensPerBlock = 32;
    budget = (budget + kTokensPerBlock - 1) / kTokensPerBlock * kTokensPerBlock;
  }
  return budget;
}

bool AicLowConcurrencyRow(const AicRow& row) {
  return row.mode == "agg" && row.batch_size <= 8 && row.pp == 1 && row.tp <= 8 &&
         row.tp * row.attention_dp <= 8;
}

std::vector<AicRow> AicLayoutVariants(const AicRow& row) {
  if (row.possible_layouts.empty()) return {row};
  std::vector<AicRow> variants;
  for (const AicRow::Layout& layout : row.possible_layouts) {
    AicRow& variant = variants.emplace_back(row);
    variant.prefill = layout.prefill;
    variant.decode = layout.decode;
    variant.recipe_drafts = layout.drafts;
    variant.possible_layouts.clear();
  }
  return variants;
}

std::string AicRegime(const AicRow& row) {
  if (row.mode == "disagg") {
    if (AicPoolsDescribed(row)) return "disagg";
    return row.possible_layouts.empty() ? "disagg-1x1" : "disagg-any-of";
  }
  if (AicLowConcurrencyRow(row)) return "c<=8";
  if (row.pp > 1 || row.tp * row.attention_dp > 8) return "multi-node";
  return "c>8";
}

std::vector<RepeatedConfiguration> FindRepeatedConfigurations(
    const std::vector<AicResult>& results) {
  // Candidates share the fields below; equal requests among them are one configuration.
  std::map<std::tuple<std::string, std::string, std::string, std::string, int64_t, int64_t, int64_t,
                      int64_t>,
           std::vector<size_t>>
      buckets;
  for (size_t i = 0; i < results.size(); ++i) {
    const framework::ScenarioRequest& r = results[i].request;
    buckets[{r.engine, r.hardware, r.model, r.weights, r.input_tokens, r.output_tokens,
             r.concurrency, r.tp}]
        .push_back(i);
  }
  std::vector<RepeatedConfiguration> repeated;
  for (const auto& [key, members] : buckets) {
    std::vector<bool> taken(members.size(), false);
    for (size_t a = 0; a < members.size(); ++a) {
      if (taken[a]) continue;
      RepeatedConfiguration same;
      double smallest = results[members[a]].row.tpot_ms, largest = smallest;
      for (size_t b = a; b < members.size(); ++b) {
        if (taken[b] || !(results[members[b]].request == results[members[a]].request)) continue;
        taken[b] = true;
        same.results.push_back(members[b]);
        smallest = std::min(smallest, results[members[b]].row.tpot_ms);
        largest = std::max(largest, results[members[b]].row.tpot_ms);
      }
      if (same.results.size() < 2 || smallest <= 0 || largest < kRepeatedSpread * smallest) {
        continue;
      }
      same.spread = largest / smallest;
      repeated.push_back(std::move(same));
    }
  }
  std::sort(repeated.begin(), repeated.end(),
            [](const RepeatedConfiguration& x, const RepeatedConfiguration& y) {
              return x.results.front() < y.results.front();
            });
  return repeated;
}

absl::StatusOr<AicValidation> ValidateAicServing(const std::vector<AicRow>& rows,
                                                 const registry::Presets& presets,
                                                 const framework::PluginSet& plugins,
                                                 const AicFilter& filter, const std::string& mode,
                                                 const RowAssumption& assume) {
  AicValidation v;
  v.mode = mode;
  GroupRows all;  // every row
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, GroupRows>
      groups;
  std::map<std::tuple<std::string, bool, std::string>, GroupRows> classes;
  std::map<std::string, GroupRows> regimes;
  std::map<std::string, GroupRows> facets;
  std::set<std::string> skip_reasons;
  for (const AicRow& row : rows) {
    const std::vector<AicRow> variants = AicLayoutVariants(row);
    absl::StatusOr<framework::ScenarioRequest> request =
        AicScenarioRequest(variants.front(), presets, mode);
    if (!request.ok()) {
      ++v.skipped;
      std::string why(request.status().message());
      if (absl::StartsWith(why, row.source + ": ")) why.erase(0, row.source.size() + 2);
      skip_reasons.insert(why);
      continue;
    }
    if (!filter.Matches(*request)) continue;
    assume.ApplyTo(*request);
    framework::Scenario scenario;
    ASSIGN_OR_RETURN(framework::Estimate estimate,
                     EstimateRow(row.source, *request, presets, plugins, &scenario));
    AicResult result;
    result.row = row;
    result.request = *request;
    result.moe = scenario.model.moe.has_value();
    result.regime = AicRegime(row);
    result.tpot_regime = framework::RegimeOf(scenario, framework::BandMetric::kTpot);
    result.ttft_regime = framework::RegimeOf(scenario, framework::BandMetric::kTtft);
    v.band_coverage = estimate.summary.band_coverage;
    // Each possible layout's times (one for a row that has none), then their geometric mean.
    double log_tpot = 0, log_ttft = 0, log_steady_ttft = 0, log_burst_ttft = 0;
    framework::TimeBand band = estimate.summary.tpot_band;
    for (size_t i = 0; i < variants.size(); ++i) {
      framework::Estimate other_layout;
      if (i > 0) {
        ASSIGN_OR_RETURN(framework::ScenarioRequest layout_request,
                         AicScenarioRequest(variants[i], presets, mode));
        assume.ApplyTo(layout_request);
        ASSIGN_OR_RETURN(other_layout, EstimateRow(row.source, layout_request, presets, plugins));
      }
      const framework::Summary& summary = i == 0 ? estimate.summary : other_layout.summary;
      log_tpot += std::log(summary.tpot_s);
      log_ttft += std::log(MeasuredTtftOf(summary, assume.requests_per_client));
      log_steady_ttft += std::log(summary.ttft_s);
      if (summary.serving) log_burst_ttft += std::log(summary.serving->burst_ttft_s);
      band.low_s = std::min(band.low_s, summary.tpot_band.low_s);
      band.high_s = std::max(band.high_s, summary.tpot_band.high_s);
    }
    const double layouts = static_cast<double>(variants.size());
    result.predicted_ms = 1e3 * std::exp(log_tpot / layouts);
    result.relative_error = result.predicted_ms / row.tpot_ms - 1;
    result.tpot_in_band = band.Contains(row.tpot_ms / 1e3);
    result.predicted_ttft_ms = 1e3 * std::exp(log_ttft / layouts);
    result.predicted_steady_ttft_ms = 1e3 * std::exp(log_steady_ttft / layouts);
    if (estimate.summary.serving) {
      result.predicted_burst_ttft_ms = 1e3 * std::exp(log_burst_ttft / layouts);
    }
    // A static prefill is not a served TTFT: only serving and disagg predictions count.
    const bool served_ttft = row.ttft_ms > 0 && (mode == "serving" || row.mode == "disagg");
    if (row.ttft_ms > 0) result.ttft_relative_error = result.predicted_ttft_ms / row.ttft_ms - 1;
    std::vector<GroupRows*> accumulators = {
        &all,
        &groups[{request->engine, request->hardware, request->model, request->weights,
                 result.regime}],
        &classes[{request->hardware, result.moe, result.regime}], &regimes[result.regime]};
    for (const std::string& label :
         RegimeLabels(scenario, estimate.summary, request->concurrency)) {
      accumulators.push_back(&facets[label]);
    }
    for (GroupRows* acc : accumulators) {
      acc->tp.insert(request->tp);
      acc->errors.push_back(result.relative_error);
      acc->in_band += result.tpot_in_band ? 1 : 0;
      if (served_ttft) acc->ttft_errors.push_back(result.ttft_relative_error);
    }
    if (row.mode == "disagg") ++v.disagg_rows;
    v.copies += static_cast<int64_t>(row.copies.size());
    v.results.push_back(std::move(result));
  }
  for (const auto& [key, acc] : groups) {
    AicGroup group = acc.Summarise();
    std::tie(group.engine, group.hardware, group.model, group.precision, group.regime) = key;
    v.groups.push_back(std::move(group));
  }
  for (const auto& [key, acc] : classes) {
    AicGroup group = acc.Summarise();
    group.hardware = std::get<0>(key);
    group.model = std::get<1>(key) ? "moe" : "dense";
    group.regime = std::get<2>(key);
    v.classes.push_back(std::move(group));
  }
  for (auto [named, out] : {std::pair{&regimes, &v.regimes}, std::pair{&facets, &v.facets}}) {
    for (const auto& [name, acc] : *named) {
      AicGroup group = acc.Summarise();
      group.regime = name;
      out->push_back(std::move(group));
    }
  }
  v.skip_reasons.assign(skip_reasons.begin(), skip_reasons.end());
  const AicGroup whole = all.Summarise();
  v.median_abs_error = whole.median_abs_error;
  v.p90_abs_error = whole.p90_abs_error;
  v.in_band = whole.in_band;
  v.ttft_median_abs_error = whole.ttft_median_abs_error;
  v.ttft_p90_abs_error = whole.ttft_p90_abs_error;
  v.repeated = FindRepeatedConfigurations(v.results);
  std::vector<bool> in_repeated(v.results.size(), false);
  for (const RepeatedConfiguration& same : v.repeated) {
    for (const size_t i : same.results) in_repeated[i] = true;
    v.repeated_rows += static_cast<int64_t>(same.results.size());
  }
  std::vector<double> others;
  for (size_t i = 0; i < v.results.size(); ++i) {
    if (!in_repeated[i]) others.push_back(v.results[i].relative_error);
  }
  v.others_p90_abs_error = QuantileAbsolute(others, 0.9);
  v.others_median_abs_error = MedianAbsolute(std::move(others));
  return v;
}

}  // namespace infercost::validation
