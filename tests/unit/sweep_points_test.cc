// SweepRequests (apps/infercost/sweep_points.h): a point's request made from values parsed once
// is exactly what parsing the base flags and the point's flags as one list gives (the request,
// or the parse error word for word), for grids over every scenario flag.
#include "apps/infercost/sweep_points.h"

#include <cmath>
#include <string>
#include <vector>

#include "apps/infercost/scenario_args.h"
#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

// Equal, NaN numbers (CLI11 reads "nan") taken as equal to NaN.
bool SameRequest(framework::ScenarioRequest a, framework::ScenarioRequest b) {
  for (auto field :
       {&framework::ScenarioRequest::moe_imbalance, &framework::ScenarioRequest::request_rate,
        &framework::ScenarioRequest::length_range_ratio}) {
    if (std::isnan(a.*field) && std::isnan(b.*field)) a.*field = b.*field = 0;
  }
  for (auto field : {&framework::ScenarioRequest::matmul_efficiency,
                     &framework::ScenarioRequest::bandwidth_efficiency}) {
    if (a.*field && b.*field && std::isnan(*(a.*field)) && std::isnan(*(b.*field))) {
      a.*field = b.*field = 0;
    }
  }
  return a == b;
}

// Every point of `plan` against ParseScenarioArgs(base flags + the point's flags); a point that
// does not parse has the error of its flags parsed over the parsed base (what `sweep` has always
// reported), or of the whole list when the base itself does not parse.
void ExpectEveryPointIsItsFlagsParsed(const SweepPlan& plan) {
  const SweepRequests requests(plan, /*threads=*/2);
  ScenarioArgsParser parser("sweep");
  ScenarioArgsParser reference("sweep");
  const absl::StatusOr<framework::ScenarioRequest> base = reference.Parse(plan.base, {});
  framework::ScenarioRequest request;
  std::vector<size_t> index;
  for (int64_t n = 0; n < plan.points; ++n) {
    SweepPointIndex(plan, n, index);
    std::vector<std::string> point;
    std::string where = "point " + std::to_string(n) + ":";
    for (size_t f = 0; f < plan.grid.size(); ++f) {
      AppendFieldArgs(plan.grid[f].first, plan.grid[f].second[index[f]], point);
    }
    for (const std::string& arg : point) where += " " + arg;
    std::vector<std::string> args = plan.base;
    args.insert(args.end(), point.begin(), point.end());
    const absl::StatusOr<framework::ScenarioRequest> want = ParseScenarioArgs(args, "sweep");
    const absl::Status got = requests.Fill(index, parser, request);
    ASSERT_EQ(got.ok(), want.ok()) << where << ": " << got << " / " << want.status();
    if (want.ok()) {
      EXPECT_TRUE(SameRequest(request, *want)) << where;
    } else if (base.ok()) {
      EXPECT_EQ(got, reference.Parse(point, *base).status()) << where;
    } else {
      EXPECT_EQ(got, want.status()) << where;
    }
  }
}

SweepPlan Plan(std::vector<std::string> base, std::vector<GridField> grid) {
  SweepPlan plan{std::move(base), std::move(grid), 1};
  for (const GridField& field : plan.grid) {
    plan.points *= static_cast<int64_t>(field.second.size());
  }
  return plan;
}

TEST(SweepRequestsTest, EveryFlagAloneWithANumber) {
  const std::vector<GridField> fields = {
      {"model", {"llama-3-8b", "mixtral-8x7b", "./no/such.toml"}},
      {"hardware", {"h100-sxm", "a100-80gb", "nosuch"}},
      {"engine", {"vllm", "sglang"}},
      {"gpus", {"1", "8", "many", "2.5", "-1"}},
      {"weights", {"fp8", "bf16", "nosuch"}},
      {"activations", {"bf16", "fp16"}},
      {"kv", {"fp8", "bf16"}},
      {"input_tokens", {"1", "4096", "1e3", "x"}},
      {"output_tokens", {"2", "1000"}},
      {"concurrency", {"1", "1000", "0"}},
      {"mode", {"static", "serving", "disagg", "nosuch"}},
      {"request_rate", {"0", "2.5", "abc"}},
      {"length_range_ratio", {"1", "0.8", "abc"}},
      {"prefill_workers", {"1", "2"}},
      {"prefill_gpus", {"2", "x"}},
      {"prefill_tp", {"1", "2"}},
      {"prefill_pp", {"1"}},
      {"prefill_dp", {"1", "2"}},
      {"prefill_ep", {"1", "2"}},
      {"prefill_batch", {"0", "16"}},
      {"decode_workers", {"1", "3"}},
      {"decode_gpus", {"4"}},
      {"decode_tp", {"2"}},
      {"decode_pp", {"2"}},
      {"decode_dp", {"2"}},
      {"decode_ep", {"4"}},
      {"decode_batch", {"8", "-"}},
      {"attention_kernel", {"flash", "naive"}},
      {"tp", {"0", "2"}},
      {"pp", {"1", "2"}},
      {"dp", {"1", "2"}},
      {"ep", {"1", "2"}},
      {"moe_imbalance", {"1", "1.25", "0.5"}},
      {"mla_form", {"absorbed", "decompress"}},
      {"mfu", {"0.5", "1", "nan", "x"}},
      {"bw_efficiency", {"0.7"}},
      {"attention_variant", {"", "my-variant"}},
      {"variant_option", {"a=1", "b=2"}},  // accumulates: parsed whole
      {"allow_beyond_context", {"true"}},  // takes no value: parsed whole (an error)
  };
  for (const GridField& field : fields) {
    SCOPED_TRACE(field.first);
    ExpectEveryPointIsItsFlagsParsed(
        Plan({"--model", "llama-3-8b", "--engine", "vllm", "--mfu", "0.4"},
             {field, {"concurrency", {"1", "7"}}}));
    ExpectEveryPointIsItsFlagsParsed(Plan({}, {{"concurrency", {"3"}}, field}));
  }
}

TEST(SweepRequestsTest, SeveralFieldsRepeatedFieldsAndBasesThatParseWhole) {
  ExpectEveryPointIsItsFlagsParsed(Plan({"--gpus", "2"}, {{"model", {"llama-3-8b", "qwen3-32b"}},
                                                          {"mode", {"static", "serving"}},
                                                          {"gpus", {"1", "2", "4"}},
                                                          {"input_tokens", {"100", "200"}},
                                                          {"gpus", {"8", "x"}}}));
  // A base --variant-option and a grid one: points parse base + flags whole.
  ExpectEveryPointIsItsFlagsParsed(
      Plan({"--variant-option", "a=1"},
           {{"variant_option", {"b=2", "c=3"}}, {"concurrency", {"1", "2"}}}));
  // A base that does not parse: every point's error is the whole list's.
  ExpectEveryPointIsItsFlagsParsed(Plan({"--gpus", "many"}, {{"concurrency", {"1", "2"}}}));
  ExpectEveryPointIsItsFlagsParsed(
      Plan({"--allow-beyond-context", "--input-tokens", "9000"}, {{"output_tokens", {"1", "9"}}}));
}

// A switch as a grid field: it takes no value of its own, so a point gives it as
// --allow-beyond-context=VALUE (it was passed as a flag and a separate word, which the parser
// refused, so the field could never be swept).
TEST(SweepRequestsTest, ASwitchIsAGridField) {
  std::vector<std::string> args;
  AppendFieldArgs("allow_beyond_context", "true", args);
  AppendFieldArgs("gpus", "4", args);
  EXPECT_EQ(args, (std::vector<std::string>{"--allow-beyond-context=true", "--gpus", "4"}));
  const SweepPlan plan =
      Plan({"--input-tokens", "9000"}, {{"allow_beyond_context", {"false", "true", "maybe"}}});
  ExpectEveryPointIsItsFlagsParsed(plan);
  const SweepRequests requests(plan, /*threads=*/1);
  ScenarioArgsParser parser("sweep");
  framework::ScenarioRequest request;
  std::vector<size_t> index;
  for (int64_t n = 0; n < 2; ++n) {
    SweepPointIndex(plan, n, index);
    ASSERT_TRUE(requests.Fill(index, parser, request).ok()) << n;
    EXPECT_EQ(request.allow_beyond_context, n == 1) << n;
    EXPECT_EQ(request.input_tokens, 9000);
  }
  SweepPointIndex(plan, 2, index);
  EXPECT_FALSE(requests.Fill(index, parser, request).ok());  // "maybe" is not true or false
}

}  // namespace
}  // namespace infercost::cli
