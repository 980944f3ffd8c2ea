// Whether a command can write its output file, asked before the work that fills it (search's
// --plot, calibrate's --out): a path it cannot create fails at once, with the reason, not after
// minutes of computing.
//
//   RETURN_IF_ERROR(CheckWritable(flags.plot, "search: cannot write --plot"));
#ifndef INFERCOST_APPS_INFERCOST_OUTPUT_FILE_H_
#define INFERCOST_APPS_INFERCOST_OUTPUT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace infercost::cli {

// OK when `path` can be opened for writing (a file the try creates is removed again); else
// InvalidArgument "`what` PATH (the system's reason); give a file in a writable directory".
absl::Status CheckWritable(const std::string& path, const std::string& what);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_OUTPUT_FILE_H_
