// ScenarioArgsParser (apps/infercost/scenario_args.h): flags parsed over a base request, one
// parser reused for many lists (what a sweep does per point), the same answers as
// ParseScenarioArgs of the whole list.
#include <string>
#include <vector>

#include "apps/infercost/scenario_args.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ScenarioArgsParserTest, FlagsApplyOverTheBaseAndTheRestIsKept) {
  ScenarioArgsParser parser("sweep");
  absl::StatusOr<framework::ScenarioRequest> base =
      parser.Parse({"--model", "llama-3-8b", "--gpus", "4", "--concurrency", "3"}, {});
  ASSERT_TRUE(base.ok()) << base.status();
  absl::StatusOr<framework::ScenarioRequest> point = parser.Parse({"--concurrency", "16"}, *base);
  ASSERT_TRUE(point.ok()) << point.status();
  EXPECT_EQ(point->model, "llama-3-8b");
  EXPECT_EQ(point->gpus, 4);
  EXPECT_EQ(point->concurrency, 16);
  // The next list starts from its own base again: nothing of the previous parse stays.
  absl::StatusOr<framework::ScenarioRequest> other = parser.Parse({"--gpus", "8"}, *base);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->concurrency, 3);
  EXPECT_EQ(other->gpus, 8);
  absl::StatusOr<framework::ScenarioRequest> defaults = parser.Parse({}, {});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(*defaults, framework::ScenarioRequest{});
}

TEST(ScenarioArgsParserTest, SameAnswerAsParsingTheWholeList) {
  const std::vector<std::string> base = {"--model", "llama-3-8b", "--engine",         "vllm",
                                         "--mfu",   "0.5",        "--variant-option", "a=1"};
  const std::vector<std::string> point = {"--gpus", "2", "--mfu", "0.7", "--input-tokens", "64"};
  std::vector<std::string> all = base;
  all.insert(all.end(), point.begin(), point.end());
  ScenarioArgsParser parser("sweep");
  absl::StatusOr<framework::ScenarioRequest> over_base =
      parser.Parse(point, *parser.Parse(base, {}));
  absl::StatusOr<framework::ScenarioRequest> whole = ParseScenarioArgs(all, "sweep");
  ASSERT_TRUE(over_base.ok()) << over_base.status();
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(*over_base, *whole);
  EXPECT_EQ(over_base->matmul_efficiency, 0.7);  // the later flag wins
  EXPECT_THAT(over_base->variant_options, ElementsAre("a=1"));
}

TEST(ScenarioArgsParserTest, AnErrorNamesTheContextAndTheNextParseWorks) {
  ScenarioArgsParser parser("sweep");
  absl::StatusOr<framework::ScenarioRequest> bad = parser.Parse({"--gpus", "many"}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("sweep: "));
  EXPECT_THAT(bad.status().message(), HasSubstr("many"));
  absl::StatusOr<framework::ScenarioRequest> good = parser.Parse({"--gpus", "2"}, {});
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->gpus, 2);
}

}  // namespace
}  // namespace infercost::cli
