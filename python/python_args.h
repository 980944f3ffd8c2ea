// Python keyword arguments as the command line's flags, so that Python and the CLI share one
// parser (apps/infercost/scenario_args.h, search_command.h) and one set of error messages.
//
//   ScenarioFlags({input_tokens=500, variant_options={"mla_form": "absorbed"}})
//     -> {"--input-tokens", "500", "--variant-option", "mla_form=absorbed"}
//
// A name's '_' become '-'; None is left out; True is a switch (--allow-beyond-context) or
// "true"; a dict (variant_options) gives KEY=VALUE per entry and a list or tuple repeats the flag.
#ifndef INFERCOST_PYTHON_PYTHON_ARGS_H_
#define INFERCOST_PYTHON_PYTHON_ARGS_H_

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apps/infercost/search_command.h"
#include "apps/infercost/sweep_command.h"

namespace infercost::python {

// `prefix` goes before each flag's name: "--" (report, sweep), "--a." / "--b." (compare sides).
std::vector<std::string> ScenarioFlags(const pybind11::dict& kwargs,
                                       const std::string& prefix = "--");

// A value as the text of a flag (str() of it; booleans "true"/"false").
std::string FlagText(const pybind11::handle& value);

// sweep's grid {field: [values] | "lo..hi*factor" | "a,b,c"} in the dict's order (the first
// field varies slowest); errors as `infercost sweep --grid` gives them.
absl::StatusOr<std::vector<cli::GridField>> GridFields(const pybind11::dict& grid);

// search's keyword arguments (lists for the candidate sets: hardware=["h100-sxm", "b200"]) parsed
// by the command's own flags; an error is CLI11's message.
absl::StatusOr<cli::SearchFlags> SearchFlagsFrom(const pybind11::dict& kwargs);

}  // namespace infercost::python

#endif  // INFERCOST_PYTHON_PYTHON_ARGS_H_
