// The `infercost` command line parsed in-process (apps/infercost/command_line.h), as main() and
// the fuzz harness fuzz/cli_args_fuzzer.cc use it: which command runs, the flags it gets, and
// the exit status and message when the command line alone settles it.
#include "apps/infercost/command_line.h"

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Parsed {
  CommandLine line;
  std::optional<int> exit;
  std::string out;
  std::string err;
};

Parsed Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "infercost");
  Parsed parsed;
  std::ostringstream out;
  std::ostringstream err;
  parsed.exit = ParseCommandLine(args, parsed.line, out, err);
  parsed.out = out.str();
  parsed.err = err.str();
  return parsed;
}

TEST(CommandLineTest, NoArgumentsIsTheDefaultReport) {
  Parsed parsed = Parse({});
  EXPECT_EQ(parsed.exit, std::nullopt);
  EXPECT_EQ(parsed.line.command, Command::kReport);
  EXPECT_EQ(parsed.line.request.model, "llama-3-70b");
  EXPECT_EQ(parsed.line.request.gpus, 2);
  EXPECT_EQ(parsed.line.flags.format, "table");
}

TEST(CommandLineTest, ReportFlagsAndGlobalFlagsAfterTheCommand) {
  Parsed parsed = Parse({"report", "--model", "llama-3-8b", "--gpus=1", "--kv", "bf16",
                         "--allow-beyond-context", "--format", "json"});
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.err;
  EXPECT_EQ(parsed.line.command, Command::kReport);
  EXPECT_EQ(parsed.line.request.model, "llama-3-8b");
  EXPECT_EQ(parsed.line.request.gpus, 1);
  EXPECT_EQ(parsed.line.request.kv, "bf16");
  EXPECT_TRUE(parsed.line.request.allow_beyond_context);
  EXPECT_EQ(parsed.line.flags.format, "json");
}

TEST(CommandLineTest, ListCommands) {
  EXPECT_EQ(Parse({"models"}).line.command, Command::kModels);
  EXPECT_EQ(Parse({"hardware"}).line.command, Command::kHardware);
  Parsed plugins = Parse({"plugins", "--no-load"});
  EXPECT_EQ(plugins.line.command, Command::kPlugins);
  EXPECT_TRUE(plugins.line.no_load);
  Parsed validate = Parse({"validate", "--suite", "aic"});
  EXPECT_EQ(validate.line.command, Command::kValidate);
  EXPECT_EQ(validate.line.validate_flags.suite, "aic");
}

TEST(CommandLineTest, EnginesAndServe) {
  EXPECT_EQ(Parse({"engines"}).line.command, Command::kEngines);
  Parsed serve = Parse({"serve"});
  ASSERT_EQ(serve.exit, std::nullopt) << serve.err;
  EXPECT_EQ(serve.line.command, Command::kServe);
  EXPECT_EQ(serve.line.serve_flags.bind, "127.0.0.1");  // loopback unless told otherwise
  EXPECT_EQ(serve.line.serve_flags.port, 8080);
  Parsed any = Parse({"--presets-dir", ".", "serve", "--port", "0", "--bind", "::1"});
  ASSERT_EQ(any.exit, std::nullopt) << any.err;
  EXPECT_EQ(any.line.serve_flags.port, 0);
  EXPECT_EQ(any.line.serve_flags.bind, "::1");
  EXPECT_EQ(any.line.flags.preset_dirs, (std::vector<std::string>{"."}));
  for (const char* port : {"65536", "-1", "http"}) {
    Parsed bad = Parse({"serve", "--port", port});
    EXPECT_EQ(bad.exit, 2) << port;
    EXPECT_THAT(bad.err, HasSubstr("--port")) << port;
  }
  EXPECT_EQ(Parse({"serve", "--threads", "0"}).exit, 2);
}

TEST(CommandLineTest, PluginOverridesAreRepeatableGlobalFlags) {
  Parsed parsed = Parse({"--plugin-override", "gqa", "plugins", "--plugin-override=mha"});
  ASSERT_EQ(parsed.exit, std::nullopt) << parsed.err;
  EXPECT_EQ(parsed.line.command, Command::kPlugins);
  EXPECT_EQ(parsed.line.flags.plugin_overrides, (std::vector<std::string>{"gqa", "mha"}));
  Parsed missing = Parse({"plugins", "--plugin-override"});
  EXPECT_EQ(missing.exit, 2);
  EXPECT_THAT(missing.err, HasSubstr("--plugin-override"));
}

TEST(CommandLineTest, HelpAndVersionGoToOutWithStatusZero) {
  Parsed help = Parse({"--help"});
  EXPECT_EQ(help.exit, 0);
  EXPECT_THAT(help.out, HasSubstr("report"));
  EXPECT_THAT(help.err, IsEmpty());
  Parsed version = Parse({"--version"});
  EXPECT_EQ(version.exit, 0);
  EXPECT_THAT(version.out, HasSubstr("plugin ABI 1.5"));
}

TEST(CommandLineTest, UsageErrorsAreStatusTwoWithAMessage) {
  Parsed unknown = Parse({"report", "--no-such-flag"});
  EXPECT_EQ(unknown.exit, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--no-such-flag"));
  EXPECT_THAT(unknown.err, HasSubstr("Run 'infercost --help' for usage."));

  Parsed not_a_number = Parse({"report", "--gpus", "two"});
  EXPECT_EQ(not_a_number.exit, 2);
  EXPECT_THAT(not_a_number.err, HasSubstr("--gpus"));

  Parsed csv = Parse({"--format", "csv", "models"});
  EXPECT_EQ(csv.exit, 2);
  EXPECT_THAT(
      csv.err,
      HasSubstr("--format csv is available for `report`, `compare`, `sweep` and `search` only"));

  Parsed missing_dir = Parse({"--plugin-dir", "/no/such/infercost/dir", "plugins"});
  EXPECT_EQ(missing_dir.exit, 2);
  EXPECT_THAT(missing_dir.err,
              HasSubstr("--plugin-dir /no/such/infercost/dir: no such directory; name an "
                        "existing directory"));
}

}  // namespace
}  // namespace infercost::cli
