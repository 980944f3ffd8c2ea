// The JSON API of `infercost serve` in-process (apps/infercost/web_api.h) over the repo's presets
// and the in-tree plugins: the golden numbers come back, bad input is 400 with the CLI's
// message, nothing reaches a file or the plugin loader, and every endpoint answers. (The
// byte-for-byte identity with `infercost ... --format json` over HTTP is serve_api_test.py.)
#include "apps/infercost/web_api.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

WebApi Api() { return WebApi(testing::RepoPresets(), testing::InTreePlugins()); }

const json* Phase(const json& stage, const std::string& name) {
  for (const json& p : stage["phases"]) {
    if (p["phase"] == name) return &p;
  }
  return nullptr;
}

TEST(WebApiTest, DefaultReportHasTheGoldenNumbers) {
  const ApiResponse r = Api().Handle("report", {}, "");
  ASSERT_EQ(r.status, 200) << r.body;
  const json report = json::parse(r.body);
  const json& decode = report["stages"]["decode"];
  EXPECT_EQ(decode["context_tokens"], 750);  // N = 500 + 500 / 2
  const json* qk = Phase(decode, "qk_scores");
  ASSERT_NE(qk, nullptr);
  EXPECT_EQ((*qk)["flops"].get<double>(), 983'040'000.0);         // 2*64*128*750*80
  EXPECT_EQ((*qk)["kv_read_bytes"].get<double>(), 61'440'000.0);  // 750*8*128*80 at 1 byte
  const json* q = Phase(decode, "q_proj");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ((*q)["weight_bytes"].get<double>(), 5'368'709'120.0);  // 8192*64*128*80
  EXPECT_EQ(decode["stack"]["model_weight_bytes"].get<double>(), 69'503'025'152.0);
}

TEST(WebApiTest, QueryAndBodyGiveTheSameReport) {
  const ApiResponse query =
      Api().Handle("report", {{"model", "llama-3-8b"}, {"gpus", "1"}, {"kv", "bf16"}}, "");
  const ApiResponse body =
      Api().Handle("report", {}, R"({"model": "llama-3-8b", "gpus": 1, "kv": "bf16"})");
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(query.body, body.body);
  EXPECT_EQ(json::parse(query.body)["scenario"]["model"], "llama-3-8b");
}

TEST(WebApiTest, BadInputIs400WithTheMessage) {
  struct Case {
    ApiParams query;
    const char* message;
  };
  const Case cases[] = {
      {{{"gpus", "0"}}, "gpus"},
      {{{"gpus", "abc"}}, "abc"},
      {{{"weights", "fp7"}}, "fp7"},
      {{{"model", "no-such-model"}}, "llama-3-70b"},  // lists the models
      {{{"no-such-flag", "1"}}, "no-such-flag"},
      {{{"plugin-dir", "/tmp"}}, "not available through the web API"},
      {{{"model", "/etc/passwd"}}, "preset names only"},
  };
  for (const Case& c : cases) {
    const ApiResponse r = Api().Handle("report", c.query, "");
    EXPECT_EQ(r.status, 400) << c.query.front().first << "=" << c.query.front().second;
    const json body = json::parse(r.body);
    EXPECT_THAT(body["error"].get<std::string>(), HasSubstr(c.message)) << r.body;
  }
  EXPECT_EQ(Api().Handle("report", {}, "{not json").status, 400);
}

TEST(WebApiTest, ListsTakeNoParameters) {
  for (const char* endpoint : {"models", "hardware", "engines", "plugins"}) {
    const ApiResponse r = Api().Handle(endpoint, {}, "");
    ASSERT_EQ(r.status, 200) << endpoint << r.body;
    EXPECT_TRUE(json::parse(r.body).is_object()) << endpoint;
    EXPECT_EQ(Api().Handle(endpoint, {{"plugin-dir", "/tmp"}}, "").status, 400) << endpoint;
  }
  const json models = json::parse(Api().Handle("models", {}, "").body);
  bool has_70b = false;
  for (const json& m : models["models"]) has_70b |= m["name"] == "llama-3-70b";
  EXPECT_TRUE(has_70b);
  EXPECT_EQ(Api().Handle("no-such-endpoint", {}, "").status, 404);
}

TEST(WebApiTest, CompareNamesTheSide) {
  const ApiResponse r = Api().Handle("compare", {{"b.hardware", "b200"}}, "");
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = json::parse(r.body);
  EXPECT_EQ(out["a"]["hardware"], "h100-sxm");
  EXPECT_EQ(out["b"]["hardware"], "b200");
  const ApiResponse bad = Api().Handle("compare", {{"b.gpus", "0"}}, "");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("side b"));
  EXPECT_EQ(Api().Handle("compare", {{"a", "side.toml"}}, "").status, 400);
}

TEST(WebApiTest, SearchRefusesFilesAndFindsAFrontier) {
  const ApiResponse r = Api().Handle(
      "search", {{"model", "llama-3-8b"}, {"hardware", "h100-sxm"}, {"gpus", "1,2"}}, "");
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = json::parse(r.body);
  EXPECT_GT(out["frontier"].size(), 0u);
  EXPECT_EQ(Api().Handle("search", {{"workload", "/etc/passwd"}}, "").status, 400);
  EXPECT_EQ(Api().Handle("search", {{"plot", "/tmp/x.svg"}}, "").status, 400);
}

}  // namespace
}  // namespace infercost::cli
