// nlohmann::json as Python objects: objects -> dict, arrays -> list, numbers -> int or float,
// strings -> str, booleans -> bool, null -> None. The CLI's JSON (report, sweep, search,
// compare, models, hardware, plugins) reaches Python this way, value for value.
//
//   py::object report = infercost::python::ToPython(json::parse(RenderLedgerJson(s, e)));
#ifndef INFERCOST_PYTHON_JSON_TO_PYTHON_H_
#define INFERCOST_PYTHON_JSON_TO_PYTHON_H_

#include <pybind11/pybind11.h>

#include "nlohmann/json.hpp"

namespace infercost::python {

pybind11::object ToPython(const nlohmann::json& value);

}  // namespace infercost::python

#endif  // INFERCOST_PYTHON_JSON_TO_PYTHON_H_
