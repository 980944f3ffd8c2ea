#include "apps/infercost/static_files.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace infercost::cli {
namespace fs = std::filesystem;

absl::StatusOr<fs::path> ResolveStaticPath(const fs::path& root, std::string_view request_path) {
  const std::string path(request_path);
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos ||
      path.find('\\') != std::string::npos) {
    return absl::InvalidArgumentError(fmt::format("not a path inside the web root: {}", path));
  }
  fs::path relative;
  const std::vector<std::string> segments = absl::StrSplit(path.substr(1), '/');
  for (const std::string& segment : segments) {
    if (segment == "." || segment == "..") {
      return absl::InvalidArgumentError(
          fmt::format("'.' and '..' are not allowed in a path: {}", path));
    }
    if (!segment.empty()) relative /= segment;
  }
  if (path.back() == '/') relative /= "index.html";
  std::error_code error;
  const fs::path canonical_root = fs::canonical(root, error);
  if (error)
    return absl::NotFoundError(fmt::format("web root {}: {}", root.string(), error.message()));
  const fs::path file = fs::weakly_canonical(canonical_root / relative, error);
  if (error) return absl::NotFoundError(fmt::format("no such file: {}", path));
  // Symbolic links must not lead out of the root either.
  const auto [root_end, unused] =
      std::mismatch(canonical_root.begin(), canonical_root.end(), file.begin(), file.end());
  if (root_end != canonical_root.end()) {
    return absl::InvalidArgumentError(fmt::format("outside the web root: {}", path));
  }
  if (!fs::is_regular_file(file, error)) {
    return absl::NotFoundError(fmt::format("no such file: {}", path));
  }
  return file;
}

std::string ContentTypeFor(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

absl::StatusOr<std::string> ReadStaticFile(const fs::path& file, size_t max_bytes) {
  std::error_code error;
  const uintmax_t size = fs::file_size(file, error);
  if (error) return absl::NotFoundError(fmt::format("{}: {}", file.string(), error.message()));
  if (size > max_bytes) {
    return absl::OutOfRangeError(fmt::format("{}: larger than {} bytes", file.string(), max_bytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot be read", file.string()));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace infercost::cli
