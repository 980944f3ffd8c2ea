// The static pages of `infercost serve`: a request path mapped to a file inside one directory
// (the web root), and never outside it. The path (already percent-decoded by the HTTP layer) is
// refused when it is not absolute, holds a NUL, a backslash, or a "." or ".." segment, or —
// after following symbolic links — leads out of the root. "/" and paths ending in "/" mean the
// directory's index.html.
//
//   ASSIGN_OR_RETURN(std::filesystem::path file, ResolveStaticPath("/usr/share/infercost/web",
//                                                                 "/atlas.html"));
//   ContentTypeFor(file);  // "text/html; charset=utf-8"
#ifndef INFERCOST_APPS_INFERCOST_STATIC_FILES_H_
#define INFERCOST_APPS_INFERCOST_STATIC_FILES_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infercost::cli {

// The regular file `request_path` names inside `root`: InvalidArgument for a path that tries to
// leave it, NotFound for no such file.
absl::StatusOr<std::filesystem::path> ResolveStaticPath(const std::filesystem::path& root,
                                                        std::string_view request_path);

// The Content-Type for a file's extension (application/octet-stream when unknown).
std::string ContentTypeFor(const std::filesystem::path& file);

// The file's bytes; OutOfRange when it is larger than `max_bytes`.
absl::StatusOr<std::string> ReadStaticFile(const std::filesystem::path& file,
                                           size_t max_bytes = 16u << 20);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_STATIC_FILES_H_
