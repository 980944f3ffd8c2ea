// Issue 13, point 6: a sweep's or batch's scenarios made through framework::ScenarioCache (the
// named fields resolved once, the numbers re-checked and set in place) are exactly what
// MakeScenario makes for the same request, or its error word for word, over requests that
// change fields of every kind, in orders that hit, miss and evict the kept scenarios.
#include "framework/scenario_cache.h"

#include <string>
#include <vector>

#include "framework/report/ledger_report.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using framework::Scenario;
using framework::ScenarioRequest;

// If this does not compile, ScenarioRequest has a new field: say in SameNamedFields (scenario.cc)
// whether it is named (resolved by MakeScenario before the numbers) or a number that
// ApplyScenarioNumbers sets, and add a request changing it below.
[[maybe_unused]] void EveryRequestFieldIsClassified(const ScenarioRequest& r) {
  [[maybe_unused]] const auto& [model, hardware, engine, gpus, weights, expert_weights, activations,
                                kv, input_tokens, output_tokens, concurrency, attention_kernel,
                                attention_variant, matmul_efficiency, bandwidth_efficiency,
                                engine_settings, allow_beyond_context, tp, pp, dp, ep,
                                moe_imbalance, max_batched_tokens, variant_options, mla_form, mode,
                                request_rate, length_range_ratio, prefill_pool, decode_pool,
                                speculative_tokens, acceptance, draft_layers] = r;
}

// If this does not compile, Scenario has a new field: compare it in ExpectSameScenario.
void ExpectSameScenario(const Scenario& got, const Scenario& want, const std::string& where) {
  const auto& [model, hardware, engine, calibration_basis, engine_fitted_on_device,
               calibration_transferred, error_bands, calibration_override_ratio, gpus, weights,
               expert_weights, activations, kv, input_tokens, output_tokens, concurrency, mode,
               request_rate, length_range_ratio, layout, prefill_pool, decode_pool, moe_imbalance,
               speculation, attention_kernel, attention_variant, warnings, decode_sum] = got;
  EXPECT_TRUE(model == want.model) << where;
  EXPECT_EQ(hardware.name, want.hardware.name) << where;
  EXPECT_EQ(engine.name, want.engine.name) << where;
  EXPECT_EQ(engine.matmul_efficiency, want.engine.matmul_efficiency) << where;
  EXPECT_EQ(engine.bandwidth_efficiency, want.engine.bandwidth_efficiency) << where;
  EXPECT_EQ(engine.per_step_overhead_s, want.engine.per_step_overhead_s) << where;
  EXPECT_EQ(engine.decode_attention_single_block, want.engine.decode_attention_single_block)
      << where;
  EXPECT_EQ(engine.max_batched_tokens, want.engine.max_batched_tokens) << where;
  EXPECT_EQ(calibration_basis, want.calibration_basis) << where;
  EXPECT_EQ(engine_fitted_on_device, want.engine_fitted_on_device) << where;
  EXPECT_EQ(calibration_transferred, want.calibration_transferred) << where;
  EXPECT_EQ(error_bands, want.error_bands) << where;
  EXPECT_EQ(calibration_override_ratio, want.calibration_override_ratio) << where;
  EXPECT_EQ(gpus, want.gpus) << where;
  EXPECT_EQ(weights.name, want.weights.name) << where;
  EXPECT_EQ(weights.bytes_per_element, want.weights.bytes_per_element) << where;
  EXPECT_EQ(expert_weights.name, want.expert_weights.name) << where;
  EXPECT_EQ(expert_weights.bytes_per_element, want.expert_weights.bytes_per_element) << where;
  EXPECT_EQ(activations.name, want.activations.name) << where;
  EXPECT_EQ(kv.name, want.kv.name) << where;
  EXPECT_EQ(input_tokens, want.input_tokens) << where;
  EXPECT_EQ(output_tokens, want.output_tokens) << where;
  EXPECT_EQ(concurrency, want.concurrency) << where;
  EXPECT_EQ(mode, want.mode) << where;
  EXPECT_EQ(request_rate, want.request_rate) << where;
  EXPECT_EQ(length_range_ratio, want.length_range_ratio) << where;
  for (const auto& [a, b] :
       {std::pair{layout, want.layout}, std::pair{prefill_pool.layout, want.prefill_pool.layout},
        std::pair{decode_pool.layout, want.decode_pool.layout}}) {
    EXPECT_EQ(a.tensor, b.tensor) << where;
    EXPECT_EQ(a.pipeline, b.pipeline) << where;
    EXPECT_EQ(a.data, b.data) << where;
    EXPECT_EQ(a.expert, b.expert) << where;
  }
  for (const auto& [a, b] :
       {std::pair{prefill_pool, want.prefill_pool}, std::pair{decode_pool, want.decode_pool}}) {
    EXPECT_EQ(a.workers, b.workers) << where;
    EXPECT_EQ(a.gpus, b.gpus) << where;
    EXPECT_EQ(a.max_batch, b.max_batch) << where;
  }
  EXPECT_EQ(moe_imbalance, want.moe_imbalance) << where;
  EXPECT_EQ(speculation.tokens, want.speculation.tokens) << where;
  EXPECT_EQ(speculation.acceptance, want.speculation.acceptance) << where;
  EXPECT_EQ(speculation.draft_layers, want.speculation.draft_layers) << where;
  EXPECT_EQ(speculation.tokens_per_step, want.speculation.tokens_per_step) << where;
  EXPECT_EQ(attention_kernel, want.attention_kernel) << where;
  EXPECT_EQ(attention_variant, want.attention_variant) << where;
  EXPECT_EQ(warnings, want.warnings) << where;
  EXPECT_EQ(decode_sum, want.decode_sum) << where;
}

// Requests changing fields of every kind, valid and not, named and numbers, in an order that
// returns to earlier names.
std::vector<ScenarioRequest> Requests() {
  std::vector<ScenarioRequest> out;
  ScenarioRequest r;
  r.model = "llama-3.1-8b";
  r.engine = "vllm";
  r.gpus = 1;
  auto add = [&](auto change) {
    ScenarioRequest next = r;
    change(next);
    out.push_back(next);
  };
  add([](ScenarioRequest&) {});
  add([](ScenarioRequest& q) { q.concurrency = 64; });
  add([](ScenarioRequest& q) { q.input_tokens = 2000; });
  add([](ScenarioRequest& q) { q.output_tokens = 2; });
  add([](ScenarioRequest& q) { q.input_tokens = 0; });        // error: range
  add([](ScenarioRequest& q) { q.concurrency = 0; });         // error: range
  add([](ScenarioRequest& q) { q.input_tokens = 200'000; });  // error: beyond context
  add([](ScenarioRequest& q) {                                // a warning
    q.input_tokens = 200'000;
    q.allow_beyond_context = true;
  });
  add([](ScenarioRequest& q) { q.gpus = 4; });
  add([](ScenarioRequest& q) { q.gpus = 3; });  // error: TP 3 does not divide the heads
  add([](ScenarioRequest& q) {
    q.gpus = 4;
    q.tp = 2;
    q.pp = 2;
  });
  add([](ScenarioRequest& q) { q.mode = "serving"; });
  add([](ScenarioRequest& q) {
    q.mode = "serving";
    q.request_rate = 5;
  });
  add([](ScenarioRequest& q) { q.request_rate = 5; });  // error: static has no arrivals
  add([](ScenarioRequest& q) {
    q.mode = "serving";
    q.length_range_ratio = 0.8;
  });
  add([](ScenarioRequest& q) { q.length_range_ratio = 0.8; });  // error: static, one length
  add([](ScenarioRequest& q) {                                  // error: range
    q.mode = "serving";
    q.length_range_ratio = 0;
  });
  add([](ScenarioRequest& q) { q.mode = "nosuch"; });  // error
  add([](ScenarioRequest& q) {
    q.mode = "disagg";
    q.gpus = 2;
    q.prefill_pool.workers = 2;
    q.decode_pool.tp = 2;
  });
  add([](ScenarioRequest& q) { q.decode_pool.workers = 2; });  // error: pools need disagg
  add([](ScenarioRequest& q) { q.moe_imbalance = 0.5; });      // error: range
  add([](ScenarioRequest& q) {                                 // speculative decoding
    q.speculative_tokens = 2;
    q.acceptance = {0.8, 0.4};
  });
  add([](ScenarioRequest& q) { q.speculative_tokens = 1; });  // the default acceptance
  add([](ScenarioRequest& q) { q.acceptance = {0.8}; });      // error: needs drafts
  add([](ScenarioRequest&) {});  // back to the first after the pools and warnings
  // Named fields, each alone, then with numbers.
  add([](ScenarioRequest& q) { q.hardware = "a100-80gb"; });
  add([](ScenarioRequest& q) { q.engine = "sglang"; });
  add([](ScenarioRequest& q) { q.weights = "bf16"; });
  add([](ScenarioRequest& q) { q.weights = "nosuch"; });      // error: named
  add([](ScenarioRequest& q) { q.expert_weights = "fp4"; });  // error: a dense model
  add([](ScenarioRequest& q) {  // the routed experts apart, then the model's own int4 layout
    q.model = "kimi-k2.5";
    q.expert_weights = "fp4";
  });
  add([](ScenarioRequest& q) {
    q.model = "kimi-k2.5";
    q.weights = "int4";
  });
  add([](ScenarioRequest& q) {  // errors: named and a number
    q.weights = "nosuch";
    q.gpus = 0;
  });
  add([](ScenarioRequest& q) { q.activations = "fp16"; });
  add([](ScenarioRequest& q) { q.kv = "bf16"; });
  add([](ScenarioRequest& q) { q.attention_kernel = "naive"; });
  add([](ScenarioRequest& q) { q.attention_variant = "Not A Plugin"; });  // error: late named
  add([](ScenarioRequest& q) {  // errors: a late named one and a number (the number's first)
    q.attention_variant = "Not A Plugin";
    q.concurrency = 0;
  });
  add([](ScenarioRequest& q) { q.matmul_efficiency = 0.5; });
  add([](ScenarioRequest& q) { q.bandwidth_efficiency = 0.7; });
  add([](ScenarioRequest& q) { q.matmul_efficiency = 5; });  // error: named
  add([](ScenarioRequest& q) { q.engine_settings = {{"per_step_overhead_s", 0.001}}; });
  add([](ScenarioRequest& q) {  // the deployment's token budget, then the preset's again below
    q.mode = "serving";
    q.max_batched_tokens = 2048;
  });
  add([](ScenarioRequest& q) {  // its numbers: the same kept scenario
    q.mode = "serving";
    q.max_batched_tokens = 2048;
    q.concurrency = 16;
  });
  add([](ScenarioRequest& q) {
    q.max_batched_tokens = 2048;
    q.input_tokens = 3000;
  });
  add([](ScenarioRequest& q) { q.max_batched_tokens = -1; });  // error: range
  add([](ScenarioRequest& q) { q.mode = "serving"; });
  add([](ScenarioRequest& q) { q.model = "nosuch-model"; });  // error: named
  add([](ScenarioRequest& q) {
    q.model = "mixtral-8x7b";
    q.gpus = 4;
    q.ep = 2;
    q.moe_imbalance = 1.5;
  });
  add([](ScenarioRequest& q) {
    q.model = "mixtral-8x7b";
    q.gpus = 4;
    q.dp = 2;
    q.ep = 4;
  });
  add([](ScenarioRequest& q) {
    q.model = "deepseek-v3";
    q.gpus = 8;
    q.mla_form = "absorbed";
  });
  add([](ScenarioRequest& q) {
    q.model = "deepseek-v3";
    q.gpus = 8;
    q.variant_options = {"mla_form=decompress"};
    q.concurrency = 16;
  });
  add([](ScenarioRequest& q) {
    q.model = "deepseek-v3";
    q.gpus = 8;
    q.variant_options = {"mla_form=decompress"};
    q.input_tokens = 8000;
  });
  add([](ScenarioRequest& q) { q.concurrency = 32; });  // back to the first names
  return out;
}

// Every request through `cache` against MakeScenario: the same scenario (field by field, and
// the same JSON report) or the same error.
void ExpectCacheIsMakeScenario(framework::ScenarioCache& cache,
                               const std::vector<ScenarioRequest>& requests,
                               const std::string& order) {
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string where = order + ", request " + std::to_string(i);
    absl::StatusOr<Scenario> want = framework::MakeScenario(requests[i], RepoPresets());
    absl::StatusOr<const Scenario*> got = cache.Get(requests[i]);
    ASSERT_EQ(got.ok(), want.ok()) << where << ": " << want.status() << " / " << got.status();
    if (!want.ok()) {
      EXPECT_EQ(got.status(), want.status()) << where;
      continue;
    }
    ExpectSameScenario(**got, *want, where);
    absl::StatusOr<framework::Estimate> got_estimate =
        framework::EstimateScenario(**got, InTreePlugins());
    absl::StatusOr<framework::Estimate> want_estimate =
        framework::EstimateScenario(*want, InTreePlugins());
    ASSERT_EQ(got_estimate.ok(), want_estimate.ok()) << where;
    if (!want_estimate.ok()) {
      EXPECT_EQ(got_estimate.status(), want_estimate.status()) << where;
      continue;
    }
    EXPECT_EQ(framework::RenderLedgerJson(**got, *got_estimate),
              framework::RenderLedgerJson(*want, *want_estimate))
        << where;
  }
}

framework::ScenarioCache::Make MakeFromRepoPresets(int* made) {
  return [made](const ScenarioRequest& request) {
    ++*made;
    return framework::MakeScenario(request, RepoPresets());
  };
}

TEST(ScenarioCache, GivesExactlyWhatMakeScenarioGives) {
  const std::vector<ScenarioRequest> requests = Requests();
  int made = 0;
  framework::ScenarioCache cache(MakeFromRepoPresets(&made));
  ExpectCacheIsMakeScenario(cache, requests, "in order");
  // Only requests with new names, or with names that never made a scenario, were made whole.
  EXPECT_LT(made, static_cast<int>(requests.size()) / 2);
  std::vector<ScenarioRequest> reversed(requests.rbegin(), requests.rend());
  ExpectCacheIsMakeScenario(cache, reversed, "reversed, warm");
  // Two kept scenarios at most: names come back after they were replaced.
  framework::ScenarioCache small(MakeFromRepoPresets(&made), /*capacity=*/2);
  ExpectCacheIsMakeScenario(small, requests, "capacity 2");
  ExpectCacheIsMakeScenario(small, reversed, "capacity 2, reversed");
}

TEST(ScenarioCache, NamedFieldsAreTheOnesThatNeedResolving) {
  ScenarioRequest a;
  ScenarioRequest b = a;
  b.gpus = 8;
  b.input_tokens = 1;
  b.output_tokens = 1;
  b.concurrency = 7;
  b.allow_beyond_context = true;
  b.tp = 2;
  b.pp = 2;
  b.dp = 2;
  b.ep = 2;
  b.moe_imbalance = 2;
  b.mode = "serving";
  b.request_rate = 3;
  b.prefill_pool.workers = 2;
  b.decode_pool.max_batch = 4;
  EXPECT_TRUE(framework::SameNamedFields(a, b));
  for (auto change : std::vector<void (*)(ScenarioRequest&)>{
           [](ScenarioRequest& q) { q.model = "x"; }, [](ScenarioRequest& q) { q.hardware = "x"; },
           [](ScenarioRequest& q) { q.engine = "x"; }, [](ScenarioRequest& q) { q.weights = "x"; },
           [](ScenarioRequest& q) { q.expert_weights = "x"; },
           [](ScenarioRequest& q) { q.activations = "x"; }, [](ScenarioRequest& q) { q.kv = "x"; },
           [](ScenarioRequest& q) { q.attention_kernel = "x"; },
           [](ScenarioRequest& q) { q.attention_variant = "x"; },
           [](ScenarioRequest& q) { q.matmul_efficiency = 0.5; },
           [](ScenarioRequest& q) { q.bandwidth_efficiency = 0.5; },
           [](ScenarioRequest& q) {
             q.engine_settings = {{"k", 1}};
           },
           [](ScenarioRequest& q) { q.variant_options = {"k=1"}; },
           [](ScenarioRequest& q) { q.mla_form = "x"; }}) {
    ScenarioRequest c = a;
    change(c);
    EXPECT_FALSE(framework::SameNamedFields(a, c));
  }
}

}  // namespace
}  // namespace infercost::testing
