// infercost-conformance — checks any infercost plugin binary against the ABI v1 contract.
//
//   infercost-conformance --plugin PATH [--skip FILE] [--only PATTERNS] [--format text|json]
//                         [--timeout SECONDS] [--variant-option KEY=VALUE]... [--verbose]
//   infercost-conformance --list-checks
//
// Each check runs in its own forked process, so a plugin that crashes or hangs still yields a
// full report. Exit status: 0 no check failed, 1 some check failed, 2 usage error.
// See sdk/conformance/README.md.
#include <fnmatch.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "checks.h"
#include "common.h"
#include "fixtures.h"
#include "host.h"
#include "infercost/sdk/abi_support.h"
#include "isolate.h"
#include "plugin_handle.h"

namespace infercost::conformance {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

const char kUsage[] =
    "usage: infercost-conformance --plugin PATH [--skip FILE] [--only PATTERNS]\n"
    "                             [--format text|json] [--timeout SECONDS] [--verbose]\n"
    "       infercost-conformance --list-checks\n"
    "\n"
    "Checks an infercost plugin library (ABI "
    "1.x) the way a host would use it: handshake,\n"
    "exported symbols, struct-size compatibility, lifecycle, error discipline, the invariants of\n"
    "its kind and thread safety. Every check runs in its own process.\n"
    "\n"
    "  --plugin PATH      the plugin's shared library (e.g. build/plugins/infercost-gqa.so)\n"
    "  --skip FILE        check names to skip, one per line ('#' comments, '*' wildcards)\n"
    "  --only PATTERNS    run only the checks matching one of these comma-separated patterns\n"
    "                     ('*' wildcards); the handshake always runs\n"
    "  --format FORMAT    text (default) or json\n"
    "  --timeout SECONDS  per-check time limit (default 60)\n"
    "  --verbose          copy the plugin's log lines to stderr\n"
    "  --list-checks      print every check name by plugin kind and exit\n"
    "\n"
    "Exit status: 0 no check failed, 1 a check failed, 2 usage error.\n";

struct Options {
  std::string plugin;
  std::string skip_file;
  std::vector<std::string> only;  // empty: every check
  std::string format = "text";
  int timeout_seconds = 60;
  bool verbose = false;
  bool list_checks = false;
};

struct SkipPattern {
  std::string pattern;
  int line;
  bool used = false;
};

struct Entry {
  std::string name;
  CheckResult result;
};

[[noreturn]] void UsageError(const std::string& message, bool show_usage = true) {
  std::cerr << "infercost-conformance: " << message << "\n";
  if (show_usage) std::cerr << "\n" << kUsage;
  std::exit(kExitUsage);
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  bool have_format = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) UsageError(Cat(flag, " needs a value"));
      return argv[++i];
    };
    // --flag=value is accepted as well as --flag value.
    std::string flag = arg;
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      flag = arg.substr(0, arg.find('='));
      inline_value = arg.substr(arg.find('=') + 1);
    }
    auto get = [&](const char* name) { return inline_value ? *inline_value : value(name); };
    if (flag == "--plugin") {
      options.plugin = get("--plugin");
    } else if (flag == "--skip") {
      options.skip_file = get("--skip");
    } else if (flag == "--only") {
      const std::string list = get("--only");
      size_t begin = 0;
      while (begin <= list.size()) {
        const size_t comma = std::min(list.find(',', begin), list.size());
        if (comma > begin) options.only.push_back(list.substr(begin, comma - begin));
        begin = comma + 1;
      }
      if (options.only.empty())
        UsageError("--only wants check names or patterns, e.g. 'lifecycle,invariants.*'");
    } else if (flag == "--variant-option") {
      const std::string assignment = get("--variant-option");
      if (!AddCandidateOption(assignment)) {
        UsageError(Cat("--variant-option wants KEY=VALUE, not '", assignment, "'"));
      }
    } else if (flag == "--format") {
      options.format = get("--format");
      have_format = true;
    } else if (flag == "--timeout") {
      const std::string text = get("--timeout");
      char* end = nullptr;
      const long seconds = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || seconds <= 0 || seconds > 3600) {
        UsageError(Cat("--timeout wants a number of seconds in 1..3600, not '", text, "'"));
      }
      options.timeout_seconds = static_cast<int>(seconds);
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--list-checks") {
      options.list_checks = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(kExitOk);
    } else {
      UsageError(Cat("unknown argument '", arg, "'"));
    }
  }
  if (have_format && options.format != "text" && options.format != "json") {
    UsageError(Cat("--format must be text or json, not '", options.format, "'"));
  }
  if (!options.list_checks && options.plugin.empty()) UsageError("--plugin PATH is required");
  return options;
}

std::vector<SkipPattern> ReadSkipFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) UsageError(Cat("cannot read skip file '", path, "'"), /*show_usage=*/false);
  std::vector<SkipPattern> patterns;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    const size_t end = line.find_last_not_of(" \t\r");
    patterns.push_back({line.substr(begin, end - begin + 1), number});
  }
  return patterns;
}

// The skip-file line that skips `name`, or nullptr.
SkipPattern* FindSkip(std::vector<SkipPattern>& patterns, const std::string& name) {
  for (SkipPattern& p : patterns) {
    if (::fnmatch(p.pattern.c_str(), name.c_str(), 0) == 0) {
      p.used = true;
      return &p;
    }
  }
  return nullptr;
}

std::string StatusWord(Status status, bool upper) {
  switch (status) {
    case Status::kPass:
      return upper ? "PASS" : "pass";
    case Status::kFail:
      return upper ? "FAIL" : "fail";
    case Status::kSkip:
      return upper ? "SKIP" : "skip";
  }
  return "?";
}

// `text` as a JSON string: made readable first (a plugin's message may be any bytes; the host
// must be able to parse the report), then escaped.
std::string JsonString(const std::string& raw) {
  const std::string text = infercost::sdk::ReadablePluginText(raw);
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void PrintText(const std::string& plugin, const std::optional<CheckResult>& handshake,
               const std::vector<Entry>& entries, int passed, int failed, int skipped) {
  std::cout << "infercost-conformance (ABI " << INFERCOST_ABI_MAJOR << "." << INFERCOST_ABI_MINOR
            << ") " << plugin << "\n";
  if (handshake && handshake->status == Status::kPass) {
    const auto& info = handshake->info;
    auto get = [&](const char* key) {
      auto it = info.find(key);
      return it == info.end() ? std::string() : it->second;
    };
    std::cout << "plugin: " << get("name") << " " << get("version") << " by " << get("vendor")
              << " (" << get("kind") << ", ABI " << get("abi_major") << "." << get("abi_minor")
              << (get("thread_safe") == "1" ? ", thread-safe" : "") << ")\n";
  }
  std::cout << "\n";
  size_t width = 0;
  for (const Entry& e : entries) width = std::max(width, e.name.size());
  for (const Entry& e : entries) {
    std::cout << "  " << StatusWord(e.result.status, true) << "  " << e.name
              << std::string(width - e.name.size() + 2, ' ') << e.result.reason << "\n";
  }
  std::cout << "\n" << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
}

void PrintJson(const std::string& plugin, const std::optional<CheckResult>& handshake,
               const std::vector<Entry>& entries, int passed, int failed, int skipped) {
  std::cout << "{\n  \"plugin\": " << JsonString(plugin) << ",\n  \"plugin_info\": ";
  if (handshake && handshake->status == Status::kPass) {
    std::cout << "{";
    bool first = true;
    for (const auto& [key, value] : handshake->info) {
      std::cout << (first ? "" : ", ") << JsonString(key) << ": " << JsonString(value);
      first = false;
    }
    std::cout << "}";
  } else {
    std::cout << "null";
  }
  std::cout << ",\n  \"checks\": [";
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    std::cout << (i == 0 ? "\n" : ",\n") << "    {\"name\": " << JsonString(e.name)
              << ", \"status\": " << JsonString(StatusWord(e.result.status, false))
              << ", \"outcome\": " << JsonString(e.result.outcome)
              << ", \"reason\": " << JsonString(e.result.reason) << "}";
  }
  std::cout << "\n  ],\n  \"passed\": " << passed << ",\n  \"failed\": " << failed
            << ",\n  \"skipped\": " << skipped << "\n}\n";
}

void ListChecks() {
  std::cout << "all kinds:\n  handshake\n  exported_symbols\n";
  for (ic_plugin_kind kind : {IC_PLUGIN_KIND_ATTENTION_VARIANT, IC_PLUGIN_KIND_ATTENTION_KERNEL,
                              IC_PLUGIN_KIND_HARDWARE}) {
    std::cout << KindName(kind) << ":\n";
    for (const CheckSpec& spec : ChecksFor(kind)) {
      std::cout << "  " << spec.name
                << std::string(spec.name.size() < 32 ? 32 - spec.name.size() : 1, ' ')
                << spec.summary << "\n";
    }
  }
}

int Run(const Options& options) {
  Host::set_forward_logs(options.verbose);
  std::vector<SkipPattern> skips;
  if (!options.skip_file.empty()) skips = ReadSkipFile(options.skip_file);
  // dlopen searches the library path for a name without '/'; the user means this file.
  std::error_code error;
  const std::string path = std::filesystem::absolute(options.plugin, error).string();
  const std::string load_path = error ? options.plugin : path;

  std::vector<Entry> entries;
  std::vector<bool> only_used(options.only.size(), false);
  auto skipped_by = [&](const std::string& name) -> std::optional<CheckResult> {
    bool selected = options.only.empty();
    for (size_t i = 0; i < options.only.size(); ++i) {
      if (::fnmatch(options.only[i].c_str(), name.c_str(), 0) == 0) {
        selected = true;
        only_used[i] = true;
      }
    }
    if (!selected && name != "handshake") {
      return CheckResult{Status::kSkip, "not selected by --only", {}};
    }
    if (SkipPattern* p = FindSkip(skips, name)) {
      return CheckResult{
          Status::kSkip,
          Cat("skipped by ", options.skip_file, ":", p->line, " ('", p->pattern, "')"),
          {}};
    }
    return std::nullopt;
  };

  // The handshake runs even when skipped: it tells which checks the plugin's kind has.
  const CheckResult handshake =
      RunIsolated([&] { return HandshakeCheck(load_path); }, options.timeout_seconds);
  entries.push_back({"handshake", skipped_by("handshake").value_or(handshake)});
  entries.push_back({"exported_symbols", skipped_by("exported_symbols").value_or(CheckResult{})});
  if (entries.back().result.status != Status::kSkip) {
    entries.back().result =
        RunIsolated([&] { return ExportedSymbolsCheck(load_path); }, options.timeout_seconds);
  }

  if (handshake.status == Status::kPass) {
    const ic_plugin_kind kind = KindByName(handshake.info.at("kind"));
    for (const CheckSpec& spec : ChecksFor(kind)) {
      if (std::optional<CheckResult> skipped = skipped_by(spec.name)) {
        entries.push_back({spec.name, *skipped});
        continue;
      }
      entries.push_back(
          {spec.name, RunIsolated([&] { return spec.run(load_path); }, options.timeout_seconds)});
    }
  } else {
    for (const std::string& name : CommonCheckNames()) {
      entries.push_back({name, skipped_by(name).value_or(CheckResult{
                                   Status::kSkip, "not run: the handshake failed", {}})});
    }
  }
  for (size_t i = 0; i < options.only.size(); ++i) {
    if (!only_used[i] && options.only[i] != "handshake") {
      std::cerr << "infercost-conformance: note: --only '" << options.only[i]
                << "' matches no check of this plugin\n";
    }
  }
  for (const SkipPattern& p : skips) {
    if (!p.used) {
      std::cerr << "infercost-conformance: note: " << options.skip_file << ":" << p.line << ": '"
                << p.pattern << "' matches no check of this plugin\n";
    }
  }

  int passed = 0, failed = 0, skipped = 0;
  for (const Entry& e : entries) {
    if (e.result.status == Status::kPass) ++passed;
    if (e.result.status == Status::kFail) ++failed;
    if (e.result.status == Status::kSkip) ++skipped;
  }
  const std::optional<CheckResult> info =
      handshake.status == Status::kPass ? std::optional<CheckResult>(handshake) : std::nullopt;
  if (options.format == "json") {
    PrintJson(options.plugin, info, entries, passed, failed, skipped);
  } else {
    PrintText(options.plugin, info, entries, passed, failed, skipped);
  }
  std::cout.flush();
  return failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace
}  // namespace infercost::conformance

int main(int argc, char** argv) {
  using namespace infercost::conformance;
  // A host may start the runner with SIGCHLD or SIGPIPE ignored (daemons, Python): the runner
  // waits for its check processes and must see their status.
  ::signal(SIGCHLD, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  const Options options = ParseOptions(argc, argv);
  if (options.list_checks) {
    ListChecks();
    return 0;
  }
  return Run(options);
}
