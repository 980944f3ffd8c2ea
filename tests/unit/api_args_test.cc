// The web API's parameters as CLI flags (apps/infercost/api_args.h): query and body become the
// same flags, switches take true/false, and keys that would reach the filesystem or the plugin
// loader are refused.
#include "apps/infercost/api_args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::set<std::string> kSwitches = {"--allow-beyond-context"};

TEST(ApiArgsTest, QueryBecomesFlagsInOrder) {
  absl::StatusOr<std::vector<std::string>> args =
      ApiArgs({{"model", "llama-3-8b"}, {"input_tokens", "2000"}, {"a.gpus", "4"}}, "", kSwitches);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(*args,
              ElementsAre("--model", "llama-3-8b", "--input-tokens", "2000", "--a.gpus", "4"));
}

// A parameter given twice is refused (it once silently took the last); an option that
// accumulates may repeat.
TEST(ApiArgsTest, RefusesAParameterGivenTwice) {
  absl::StatusOr<std::vector<std::string>> args =
      ApiArgs({{"gpus", "1"}, {"model", "llama-3-8b"}, {"gpus", "2"}}, "", kSwitches);
  ASSERT_FALSE(args.ok());
  EXPECT_THAT(args.status().message(), HasSubstr("parameter 'gpus' is given twice"));
  EXPECT_FALSE(ApiArgs({{"input_tokens", "1"}, {"input-tokens", "2"}}, "", kSwitches).ok());
  args = ApiArgs({{"variant-option", "a=1"}, {"variant_option", "b=2"}}, "", kSwitches);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(*args, ElementsAre("--variant-option", "a=1", "--variant-option", "b=2"));
}

// Nor may the body repeat what the query gives, or a key of its own (the JSON parser would keep
// the last); and a scenario's flag given as a list is named (its parser lets the last win).
TEST(ApiArgsTest, RefusesAParameterRepeatedInTheBodyOrAsAList) {
  absl::StatusOr<std::vector<std::string>> args =
      ApiArgs({}, R"({"gpus": 1, "model": "llama-3-8b", "gpus": 4})", kSwitches);
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().message(), "request body: key 'gpus' is given twice; give it once");
  args = ApiArgs({}, R"({"b": {"kv": "fp8", "kv": "bf16"}})", kSwitches);
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().message(), "request body: key 'kv' is given twice; give it once");
  args = ApiArgs({{"gpus", "4"}}, R"({"gpus": 1})", kSwitches);
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().message(),
            "parameter 'gpus' is given in the query and in the body; give it once");

  args = ApiArgs({}, R"({"gpus": [1, 8], "allow_beyond_context": true})", kSwitches);
  ASSERT_TRUE(args.ok()) << args.status();  // (a search takes lists)
  const absl::Status once = RefuseRepeatedFlags(*args, kSwitches);
  EXPECT_EQ(once.message(),
            "parameter 'gpus' is given more than once (a list, or a key repeated); a scenario "
            "takes one value of it (only variant-option repeats)");
  // Switches take no value (the flag after one is a flag); variant options and the two sides'
  // flags are each their own.
  EXPECT_TRUE(
      RefuseRepeatedFlags({"--a.allow-beyond-context", "--gpus", "2", "--variant-option", "a=1",
                           "--variant-option", "b=2", "--a.gpus", "4", "--b.gpus", "8"},
                          kSwitches)
          .ok());
}

// A flag that takes a comma-separated list takes a JSON array as that list (one flag): the
// acceptance rates of speculative decoding, for a side too.
TEST(ApiArgsTest, AListFlagTakesAnArray) {
  absl::StatusOr<std::vector<std::string>> args =
      ApiArgs({}, R"({"acceptance": [0.85, 0.3], "a": {"acceptance": [0.5]}})", kSwitches);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(*args, ElementsAre("--a.acceptance", "0.5", "--acceptance", "0.85,0.3"));
  EXPECT_TRUE(RefuseRepeatedFlags(*args, kSwitches).ok());
}

TEST(ApiArgsTest, JsonBodyBecomesTheSameFlags) {
  absl::StatusOr<std::vector<std::string>> args = ApiArgs(
      {}, R"({"gpus": 4, "mfu": 0.5, "variant-option": ["a=1", "b=2"], "b": {"hardware": "b200"}})",
      kSwitches);
  ASSERT_TRUE(args.ok()) << args.status();
  // nlohmann::json keeps object keys sorted: b, gpus, mfu, variant-option.
  EXPECT_THAT(*args, ElementsAre("--b.hardware", "b200", "--gpus", "4", "--mfu", "0.5",
                                 "--variant-option", "a=1", "--variant-option", "b=2"));
}

TEST(ApiArgsTest, SwitchesTakeTrueOrFalse) {
  EXPECT_THAT(*ApiArgs({{"allow-beyond-context", "true"}}, "", kSwitches),
              ElementsAre("--allow-beyond-context"));
  EXPECT_THAT(*ApiArgs({{"allow_beyond_context", "false"}}, "", kSwitches), IsEmpty());
  EXPECT_THAT(*ApiArgs({}, R"({"allow-beyond-context": true})", kSwitches),
              ElementsAre("--allow-beyond-context"));
  absl::StatusOr<std::vector<std::string>> bad =
      ApiArgs({{"allow-beyond-context", "maybe"}}, "", kSwitches);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("true or false"));
}

TEST(ApiArgsTest, RefusesFilesystemAndPluginKeys) {
  for (const char* key : {"plugin-dir", "plugin_dir", "presets-dir", "plugin-override", "a", "b",
                          "workload", "plot", "a.presets-dir", "format", "threads"}) {
    absl::StatusOr<std::vector<std::string>> args = ApiArgs({{key, "/tmp"}}, "", kSwitches);
    ASSERT_FALSE(args.ok()) << key;
    EXPECT_EQ(args.status().code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(std::string(args.status().message()),
                HasSubstr("not available through the web API"))
        << key;
  }
  absl::StatusOr<std::vector<std::string>> body =
      ApiArgs({}, R"({"plugin-dir": "/tmp"})", kSwitches);
  EXPECT_FALSE(body.ok());
}

TEST(ApiArgsTest, RefusesModelFiles) {
  for (const char* model :
       {"/etc/passwd", "../presets/models/llama-3-8b.toml", "config.json", "x.toml"}) {
    for (const char* key : {"model", "a.model", "b.model"}) {
      absl::StatusOr<std::vector<std::string>> args = ApiArgs({{key, model}}, "", kSwitches);
      ASSERT_FALSE(args.ok()) << key << "=" << model;
      EXPECT_THAT(std::string(args.status().message()), HasSubstr("preset names only"));
    }
  }
}

TEST(ApiArgsTest, RefusesMalformedKeysAndBodies) {
  EXPECT_FALSE(ApiArgs({{"--gpus", "1"}}, "", kSwitches).ok());  // '-' prefix: not a name
  EXPECT_FALSE(ApiArgs({{"gp us", "1"}}, "", kSwitches).ok());
  EXPECT_FALSE(ApiArgs({{"", "1"}}, "", kSwitches).ok());
  EXPECT_FALSE(ApiArgs({}, "[1, 2]", kSwitches).ok());
  EXPECT_FALSE(ApiArgs({}, "{not json", kSwitches).ok());
  EXPECT_FALSE(ApiArgs({}, R"({"gpus": {"nested": 1}})", kSwitches).ok());
  EXPECT_FALSE(ApiArgs({}, R"({"gpus": null})", kSwitches).ok());
  EXPECT_TRUE(ApiArgs({}, "  \n", kSwitches).ok());  // an empty body is no parameters
}

}  // namespace
}  // namespace infercost::cli
