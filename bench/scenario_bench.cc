// How long one evaluation takes: a decode step's ledger, a whole scenario's ledger, and the full
// estimate (ledger + per-GPU timing of every decode step + memory search), for a dense and a MoE
// model. Results and the machine they were measured on: bench/README.md.
#include <cstdlib>

#include "allocation_counter.h"
#include "benchmark/benchmark.h"
#include "framework/batch.h"
#include "framework/estimate.h"
#include "framework/ledger/pipeline.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario_cache.h"
#include "registry/presets.h"

namespace infercost {
namespace {

const registry::Presets& Presets() {
  static const registry::Presets* presets =
      new registry::Presets(registry::LoadPresets({INFERCOST_BENCH_PRESET_DIR}).value());
  return *presets;
}

const framework::PluginSet& Plugins() {
  static const framework::PluginSet* plugins = [] {
    framework::PluginLoaderOptions options;
    options.plugin_dirs = {INFERCOST_BENCH_PLUGIN_DIR};
    options.use_environment = false;
    options.use_default_dirs = false;
    return new framework::PluginSet(framework::LoadPlugins(options));
  }();
  return *plugins;
}

framework::Scenario ScenarioFor(const std::string& model, int64_t output_tokens) {
  framework::ScenarioRequest request;
  request.model = model;
  request.gpus = 8;
  request.output_tokens = output_tokens;
  request.allow_beyond_context = true;  // 100,000 output tokens pass Llama-3-70B's 8,192
  return framework::MakeScenario(request, Presets()).value();
}

void BM_DecodeStepLedger(benchmark::State& state) {
  const framework::Pipeline pipeline =
      framework::Pipeline::Create(ScenarioFor("llama-3-70b", 500), Plugins()).value();
  const framework::Step step{IC_STAGE_DECODE, 1, 1, 750};
  for (auto _ : state) benchmark::DoNotOptimize(pipeline.Evaluate(step));
}
BENCHMARK(BM_DecodeStepLedger);

void BM_ScenarioLedger(benchmark::State& state) {
  const framework::Pipeline pipeline =
      framework::Pipeline::Create(ScenarioFor("llama-3-70b", state.range(0)), Plugins()).value();
  for (auto _ : state) benchmark::DoNotOptimize(pipeline.Run());
}
BENCHMARK(BM_ScenarioLedger)->Arg(2)->Arg(500)->Unit(benchmark::kMicrosecond);

void BM_Estimate(benchmark::State& state, const char* model) {
  const framework::Scenario scenario = ScenarioFor(model, state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(framework::EstimateScenario(scenario, Plugins()));
}
BENCHMARK_CAPTURE(BM_Estimate, llama_3_70b, "llama-3-70b")
    ->Arg(2)
    ->Arg(500)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Estimate, deepseek_v3, "deepseek-v3")
    ->Arg(2)
    ->Arg(500)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

// The same with EstimateDetail::kSummary: no whole-model ledger, what a sweep evaluates.
void BM_EstimateSummary(benchmark::State& state, const char* model) {
  const framework::Scenario scenario = ScenarioFor(model, state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        framework::EstimateScenario(scenario, Plugins(), framework::EstimateDetail::kSummary));
  }
}
BENCHMARK_CAPTURE(BM_EstimateSummary, llama_3_70b, "llama-3-70b")
    ->Arg(2)
    ->Arg(500)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_EstimateSummary, deepseek_v3, "deepseek-v3")
    ->Arg(2)
    ->Arg(500)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

// The same as a sweep evaluates it: the pipeline of the previous point reused (a
// framework::PipelineCache per thread) and the estimate evaluated into the previous one's
// buffers (EstimateScenarioInto), here for the same scenario every time.
void BM_EstimateSummaryReused(benchmark::State& state, const char* model) {
  const framework::Scenario scenario = ScenarioFor(model, state.range(0));
  framework::PipelineCache pipelines;
  framework::Estimate estimate;  // reused: its buffers grow once (EstimateScenarioInto)
  const int64_t allocations_before = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(framework::EstimateScenarioInto(
        scenario, Plugins(), framework::EstimateDetail::kSummary, &pipelines, nullptr, estimate));
  }
  // Heap allocations per evaluation (the issue asks for none on the hot path).
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(bench::AllocationCount() - allocations_before),
                         benchmark::Counter::kAvgIterations);
}
// (5 and 20 output tokens: short answers, whose few steps are summed from a basis too)
BENCHMARK_CAPTURE(BM_EstimateSummaryReused, llama_3_70b, "llama-3-70b")
    ->Arg(2)
    ->Arg(5)
    ->Arg(20)
    ->Arg(500)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_EstimateSummaryReused, llama_3_1_405b, "llama-3.1-405b")
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_EstimateSummary, llama_3_1_405b, "llama-3.1-405b")
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond);

// Serving mode (framework/serving/): the step-by-step simulation of a vLLM server at N clients
// (Llama-3-70B, 8 GPUs, 500 + 500 tokens): three client cycles of about 500 steps each.
void BM_EstimateServing(benchmark::State& state) {
  framework::ScenarioRequest request;
  request.model = "llama-3-70b";
  request.gpus = 8;
  request.engine = "vllm";
  request.mode = "serving";
  request.concurrency = state.range(0);
  const framework::Scenario scenario = framework::MakeScenario(request, Presets()).value();
  for (auto _ : state) benchmark::DoNotOptimize(framework::EstimateScenario(scenario, Plugins()));
}
BENCHMARK(BM_EstimateServing)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond);

// Sweeps from code (framework/batch.h): 256 static scenarios per call (Llama-3-70B on 1-8 H100s,
// concurrency 1-32, 500 + 500 tokens, vllm) on `threads` threads; items/s = configurations/s.
void BM_EstimateBatch(benchmark::State& state) {
  std::vector<framework::ScenarioRequest> requests;
  for (int64_t i = 0; i < 256; ++i) {
    framework::ScenarioRequest r;
    r.engine = "vllm";
    r.gpus = int64_t{1} << (i % 4);
    r.concurrency = 1 + i % 32;
    requests.push_back(r);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        framework::EstimateBatch(requests, Presets(), Plugins(), static_cast<int>(state.range(0))));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(requests.size()));
}
BENCHMARK(BM_EstimateBatch)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// A sweep point's scenario (issue 13, point 6): made from names each time (MakeScenario: preset
// look-ups, calibration, the model copied) or, as `sweep` and EstimateBatch make it, through a
// ScenarioCache (the named fields resolved once, the numbers re-checked in place); the
// concurrency changes every point.
void BM_MakeScenario(benchmark::State& state) {
  framework::ScenarioRequest request;
  int64_t concurrency = 0;
  for (auto _ : state) {
    request.concurrency = 1 + concurrency++ % 1000;
    benchmark::DoNotOptimize(framework::MakeScenario(request, Presets()));
  }
}
BENCHMARK(BM_MakeScenario);

void BM_ScenarioCacheGet(benchmark::State& state) {
  framework::ScenarioRequest request;
  framework::ScenarioCache scenarios(
      [](const framework::ScenarioRequest& r) { return framework::MakeScenario(r, Presets()); });
  int64_t concurrency = 0;
  for (auto _ : state) {
    request.concurrency = 1 + concurrency++ % 1000;
    benchmark::DoNotOptimize(scenarios.Get(request));
  }
}
BENCHMARK(BM_ScenarioCacheGet);

}  // namespace
}  // namespace infercost
