// The plugin probe's verdict cache: one small file per (library, runner, checks, machine) in a
// cache directory, written atomically, read back only when its whole key matches.
//
//   ProbeCache cache(ProbeCacheDir(options.cache_dir), key);
//   if (std::optional<ProbeVerdict> v = cache.Read()) return *v;
//   ...; cache.Write(verdict);
#ifndef INFERCOST_FRAMEWORK_LOADER_PROBE_CACHE_H_
#define INFERCOST_FRAMEWORK_LOADER_PROBE_CACHE_H_

#include <filesystem>
#include <optional>
#include <string>

#include "framework/loader/plugin_probe.h"

namespace infercost::framework {

// `configured`, else $INFERCOST_CACHE_DIR, else $XDG_CACHE_HOME/infercost, else
// $HOME/.cache/infercost; empty when none is known (no caching).
std::filesystem::path ProbeCacheDir(const std::string& configured);

// "size:mtime_ns" of a file, or "" when it cannot be read.
std::string FileStamp(const std::filesystem::path& path);

class ProbeCache {
 public:
  // An empty `dir` caches nothing.
  ProbeCache(const std::filesystem::path& dir, std::string key);
  std::optional<ProbeVerdict> Read() const;
  // Passed and rejected verdicts only; an unwritable directory is not an error.
  void Write(const ProbeVerdict& verdict) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::string key_;
  std::filesystem::path file_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_PROBE_CACHE_H_
