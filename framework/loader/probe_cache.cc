#include "framework/loader/probe_cache.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace infercost::framework {
namespace {

namespace fs = std::filesystem;

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

constexpr std::string_view kFailedWord = "failed";

const char* OutcomeWord(ProbeOutcome outcome) {
  switch (outcome) {
    case ProbeOutcome::kPassed:
      return "passed";
    case ProbeOutcome::kRejected:
      return "rejected";
    case ProbeOutcome::kNotProbed:
      return "not-probed";
  }
  return "?";
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

fs::path ProbeCacheDir(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (std::string dir = Env("INFERCOST_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string dir = Env("XDG_CACHE_HOME"); !dir.empty()) return fs::path(dir) / "infercost";
  if (std::string home = Env("HOME"); !home.empty()) {
    return fs::path(home) / ".cache" / "infercost";
  }
  return {};
}

std::string FileStamp(const fs::path& path) {
  std::error_code error;
  const uintmax_t size = fs::file_size(path, error);
  if (error) return "";
  const auto mtime = fs::last_write_time(path, error);
  if (error) return "";
  return fmt::format("{}:{}", size, mtime.time_since_epoch().count());
}

ProbeCache::ProbeCache(const fs::path& dir, std::string key) : key_(std::move(key)) {
  if (!dir.empty()) file_ = dir / "plugin-probes" / fmt::format("{:016x}", Fnv1a64(key_));
}

std::optional<ProbeVerdict> ProbeCache::Read() const {
  if (file_.empty()) return std::nullopt;
  std::ifstream in(file_);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string header = key_ + "\n";
  if (text.compare(0, header.size(), header) != 0) return std::nullopt;  // another key
  const std::string rest = text.substr(header.size());
  const size_t newline = rest.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  const std::string word = rest.substr(0, newline);
  // Then the failed checks ("failed a,b", "failed" for none) and the detail.
  const size_t failed_end = rest.find('\n', newline + 1);
  if (failed_end == std::string::npos) return std::nullopt;
  const std::string_view failed =
      std::string_view(rest).substr(newline + 1, failed_end - newline - 1);
  if (failed.substr(0, kFailedWord.size()) != kFailedWord) return std::nullopt;
  ProbeVerdict verdict;
  verdict.from_cache = true;
  verdict.detail = rest.substr(failed_end + 1);
  if (failed.size() > kFailedWord.size()) {
    const std::string_view list = failed.substr(kFailedWord.size() + 1);
    verdict.failed_checks = absl::StrSplit(absl::string_view(list.data(), list.size()), ',');
  }
  if (word == OutcomeWord(ProbeOutcome::kPassed)) {
    verdict.outcome = ProbeOutcome::kPassed;
  } else if (word == OutcomeWord(ProbeOutcome::kRejected)) {
    verdict.outcome = ProbeOutcome::kRejected;
  } else {
    return std::nullopt;
  }
  return verdict;
}

void ProbeCache::Write(const ProbeVerdict& verdict) const {
  if (file_.empty() || verdict.outcome == ProbeOutcome::kNotProbed) return;
  std::error_code error;
  fs::create_directories(file_.parent_path(), error);
  if (error) return;
  // A unique temporary file, then rename: writers never share a file, readers never see half.
  std::string temporary = file_.string() + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) return;
  const std::string text = fmt::format("{}\n{}\n{}{}{}\n{}", key_, OutcomeWord(verdict.outcome),
                                       kFailedWord, verdict.failed_checks.empty() ? "" : " ",
                                       fmt::join(verdict.failed_checks, ","), verdict.detail);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool complete = written == text.size();
  const bool closed = ::close(fd) == 0;
  if (complete && closed) {
    fs::rename(temporary, file_, error);
    if (!error) return;
  }
  fs::remove(temporary, error);
}

}  // namespace infercost::framework
