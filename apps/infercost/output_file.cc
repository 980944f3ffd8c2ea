#include "apps/infercost/output_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fmt/format.h"

namespace infercost::cli {

absl::Status CheckWritable(const std::string& path, const std::string& what) {
  std::error_code error;
  const bool existed = std::filesystem::exists(path, error);
  errno = 0;
  const bool opened = std::ofstream(path, std::ios::binary | std::ios::app).is_open();
  const int why = errno;
  if (!existed && opened) std::filesystem::remove(path, error);
  if (opened) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("{} {}{}; give a file in a writable directory", what, path,
                  why != 0 ? fmt::format(" ({})", std::strerror(why)) : std::string()));
}

}  // namespace infercost::cli
