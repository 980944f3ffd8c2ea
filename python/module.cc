// The Python module `infercost`: a Session (plugin and preset directories, found as the CLI finds
// them and loaded once) whose report, compare, sweep and search return what the CLI's
// `--format json` prints, as dicts and lists (docs/python.md).
//
//   import infercost
//   s = infercost.Session()
//   s.report(model="llama-3-8b", gpus=1)["summary"]["tokens_per_s_per_user"]
//   s.sweep({"concurrency": [1, 8, 64]}, model="llama-3-8b", as_dataframe=True)
#include <pybind11/pybind11.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "apps/infercost/session.h"
#include "fmt/format.h"
#include "python/json_to_python.h"
#include "python/python_args.h"
#include "python/python_session.h"

namespace py = pybind11;
using nlohmann::json;

namespace infercost::python {
namespace {

// A plugin that could not be used: a plugin directory that does not exist, a library that is
// not a plugin, a wrong ABI (infercost.PluginError, a RuntimeError).
struct PluginError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bad input (the CLI's exit status 2) is a ValueError with the CLI's message; anything else a
// RuntimeError.
[[noreturn]] void Raise(const absl::Status& status) {
  const std::string message(status.message());
  if (cli::ExitCodeFor(status) == 2) throw py::value_error(message);
  throw std::runtime_error(message);
}

template <typename T>
T Value(absl::StatusOr<T> value) {
  if (!value.ok()) Raise(value.status());
  return std::move(*value);
}

// Pops keyword `name` (a bool) out of `kwargs`; anything but True or False is a TypeError.
bool PopFlag(py::kwargs& kwargs, const char* name) {
  const py::object value = kwargs.attr("pop")(name, false);
  if (!py::isinstance<py::bool_>(value)) {
    throw py::type_error(fmt::format("{}: True or False, not {} ({})", name,
                                     py::repr(value).cast<std::string>(),
                                     py::type::of(value).attr("__name__").cast<std::string>()));
  }
  return value.cast<bool>();
}

py::object ToDataFrame(const py::object& records) {
  py::module_ pandas;
  try {
    pandas = py::module_::import("pandas");
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_ImportError)) throw;
    throw py::import_error(
        "a DataFrame needs pandas (Debian: apt-get install python3-pandas); without it, use the "
        "list of records");
  }
  return pandas.attr("DataFrame")(records);
}

// None, a path, or an iterable of paths.
std::vector<std::string> Paths(const py::object& value) {
  std::vector<std::string> out;
  if (value.is_none()) return out;
  const py::object fspath = py::module_::import("os").attr("fspath");
  if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) {
    out.push_back(fspath(value).cast<std::string>());
    return out;
  }
  for (const py::handle& item : value) out.push_back(fspath(item).cast<std::string>());
  return out;
}

// f() with the GIL released.
template <typename F>
auto Released(F&& f) {
  py::gil_scoped_release release;
  return f();
}

class Session {
 public:
  Session(const py::object& plugin_dirs, const py::object& preset_dirs,
          const py::object& plugin_overrides, bool strict_plugins) {
    cli::GlobalFlags flags;
    flags.plugin_dirs = Paths(plugin_dirs);
    flags.preset_dirs = Paths(preset_dirs);
    flags.format = "json";
    // One name, or an iterable of names (a str is one name, not its letters).
    if (py::isinstance<py::str>(plugin_overrides)) {
      flags.plugin_overrides.push_back(plugin_overrides.cast<std::string>());
    } else if (!plugin_overrides.is_none()) {
      for (const py::handle& name : plugin_overrides) {
        flags.plugin_overrides.push_back(py::str(name).cast<std::string>());
      }
    }
    // The CLI's checks and messages: a named plugin directory that is not one is a plugin
    // problem, a preset directory's a ValueError.
    cli::GlobalFlags plugins_only;
    plugins_only.plugin_dirs = flags.plugin_dirs;
    if (absl::Status named = cli::CheckNamedDirectories(plugins_only); !named.ok()) {
      throw PluginError(std::string(named.message()));
    }
    if (absl::Status named = cli::CheckNamedDirectories(flags); !named.ok()) Raise(named);
    session_ = std::make_unique<PythonSession>(std::move(flags));
    absl::Status loaded;
    std::vector<std::string> rejected;
    {
      py::gil_scoped_release release;
      loaded = session_->Load();
      if (loaded.ok()) rejected = session_->RejectedPlugins();
    }
    if (!loaded.ok()) Raise(loaded);
    if (strict_plugins && !rejected.empty()) throw PluginError(absl::StrJoin(rejected, "; "));
  }

  py::object Report(const py::kwargs& kwargs) {
    const std::vector<std::string> args = ScenarioFlags(kwargs);
    std::vector<std::string> warnings;
    absl::StatusOr<json> report;
    {
      py::gil_scoped_release release;
      report = session_->Report(args, warnings);
    }
    for (const std::string& warning : warnings) {
      if (PyErr_WarnEx(PyExc_UserWarning, warning.c_str(), 1) != 0) throw py::error_already_set();
    }
    return ToPython(Value(std::move(report)));
  }

  py::object Sweep(const py::dict& grid, py::kwargs kwargs) {
    const bool as_dataframe = PopFlag(kwargs, "as_dataframe");
    cli::SweepFlags flags;
    flags.args = ScenarioFlags(kwargs);
    flags.values = Value(GridFields(grid));
    absl::StatusOr<std::vector<json>> points;
    {
      py::gil_scoped_release release;
      points = session_->Sweep(flags);
    }
    const std::vector<json> records = Value(std::move(points));
    py::list out(records.size());
    for (size_t i = 0; i < records.size(); ++i) out[i] = ToPython(records[i]);
    return as_dataframe ? ToDataFrame(out) : py::object(std::move(out));
  }

  py::object Compare(const py::object& a, const py::object& b, py::kwargs kwargs) {
    const bool as_dataframe = PopFlag(kwargs, "as_dataframe");
    cli::CompareFlags flags;
    flags.only_different = PopFlag(kwargs, "only_different");
    flags.args = ScenarioFlags(kwargs);
    for (const auto& [side, value, file] :
         {std::tuple{"a", &a, &flags.a_file}, std::tuple{"b", &b, &flags.b_file}}) {
      if (value->is_none()) continue;
      if (py::isinstance<py::dict>(*value)) {
        const std::vector<std::string> own =
            ScenarioFlags(value->cast<py::dict>(), fmt::format("--{}.", side));
        flags.args.insert(flags.args.end(), own.begin(), own.end());
      } else if (py::isinstance<py::str>(*value) || py::hasattr(*value, "__fspath__")) {
        *file = Paths(*value).at(0);  // a scenario file, as `compare --a FILE.toml`
      } else {
        throw py::type_error(
            fmt::format("{}: a dict of flags or a scenario file's path, not {} ({})", side,
                        py::repr(*value).cast<std::string>(),
                        py::type::of(*value).attr("__name__").cast<std::string>()));
      }
    }
    absl::StatusOr<json> comparison;
    {
      py::gil_scoped_release release;
      comparison = session_->Compare(flags);
    }
    py::object out = ToPython(Value(std::move(comparison)));
    return as_dataframe ? ToDataFrame(out["metrics"]) : out;
  }

  py::object Search(py::kwargs kwargs) {
    const bool as_dataframe = PopFlag(kwargs, "as_dataframe");
    const cli::SearchFlags flags = Value(SearchFlagsFrom(kwargs));
    absl::StatusOr<json> result;
    {
      py::gil_scoped_release release;
      result = session_->Search(flags);
    }
    py::object out = ToPython(Value(std::move(result)));
    return as_dataframe ? ToDataFrame(out["candidates"]) : out;
  }

  py::object Models() {
    return ToPython(Value(Released([&] { return session_->Models(); })))["models"];
  }
  py::object Hardware() {
    return ToPython(Value(Released([&] { return session_->Hardware(); })))["hardware"];
  }
  py::object Engines() {
    return ToPython(Value(Released([&] { return session_->Engines(); })))["engines"];
  }
  py::object Plugins(bool load) {
    json plugins;
    {
      py::gil_scoped_release release;
      plugins = session_->Plugins(load);
    }
    return ToPython(plugins);
  }

  std::string Repr() const {
    const cli::GlobalFlags& flags = session_->flags();
    return fmt::format("infercost.Session(plugin_dirs=[{}], preset_dirs=[{}])",
                       absl::StrJoin(flags.plugin_dirs, ", "),
                       absl::StrJoin(flags.preset_dirs, ", "));
  }

 private:
  std::unique_ptr<PythonSession> session_;
};

// The module's functions use one Session with the default directories, made on first use.
py::object DefaultSession() {
  py::module_ module = py::module_::import("infercost");
  if (!py::hasattr(module, "_default_session")) {
    module.attr("_default_session") = module.attr("Session")();
  }
  return module.attr("_default_session");
}

}  // namespace
}  // namespace infercost::python

PYBIND11_MODULE(infercost, m) {
  using infercost::python::DefaultSession;
  using infercost::python::Session;
  m.doc() = "infercost: what running a large language model costs, phase by phase (docs/python.md)";
  m.attr("__version__") = "0.1.0";
  py::register_exception<infercost::python::PluginError>(m, "PluginError", PyExc_RuntimeError);

  py::class_<Session>(m, "Session",
                      "Presets and plugins, found as the infercost command finds them (or in the "
                      "directories given), loaded once.")
      .def(py::init<const py::object&, const py::object&, const py::object&, bool>(),
           py::arg("plugin_dirs") = py::none(), py::arg("preset_dirs") = py::none(),
           py::arg("plugin_overrides") = py::none(), py::arg("strict_plugins") = true,
           "plugin_dirs/preset_dirs: searched first (a path or a list). strict_plugins: raise "
           "PluginError when any plugin is rejected (False: list it in plugins()['rejected'], as "
           "the CLI does).")
      .def("report", &Session::Report,
           "report(**scenario) -> dict: `infercost report --format json`; keywords are the "
           "report flags with '_' (input_tokens=2000, gpus=4, variant_options={...}).")
      .def("sweep", &Session::Sweep, py::arg("grid"),
           "sweep(grid, as_dataframe=False, **base) -> list of records (`infercost sweep "
           "--format json` lines): grid is {field: [values] or 'lo..hi*factor'}, the first field "
           "varying slowest.")
      .def("compare", &Session::Compare, py::arg("a") = py::none(), py::arg("b") = py::none(),
           "compare(a={...}, b={...}, only_different=False, as_dataframe=False, **both) -> dict "
           "(`infercost compare --format json`); a and b: flags of one side, or a scenario TOML "
           "file.")
      .def("search", &Session::Search,
           "search(as_dataframe=False, **flags) -> dict (`infercost search --format json`); "
           "lists for candidate sets: hardware=['h100-sxm', 'b200'], gpus=[1, 2, 4].")
      .def("models", &Session::Models, "The model presets (`infercost models --format json`).")
      .def("hardware", &Session::Hardware,
           "The devices: presets, then those hardware plugins describe.")
      .def("engines", &Session::Engines, "The engine presets.")
      .def("plugins", &Session::Plugins, py::arg("load") = true,
           "`infercost plugins --format json`: loaded (or found), rejected with reasons, search "
           "directories.")
      .def("__repr__", &Session::Repr);

  m.def("to_dataframe", &infercost::python::ToDataFrame, py::arg("records"),
        "A pandas DataFrame of a list of records (ImportError without pandas).");
  for (const char* name :
       {"report", "sweep", "compare", "search", "models", "hardware", "engines", "plugins"}) {
    m.def(
        name,
        [name](py::args args, py::kwargs kwargs) {
          return DefaultSession().attr(name)(*args, **kwargs);
        },
        fmt::format("Session().{} with the default directories (one session, made on first use).",
                    name)
            .c_str());
  }
}
