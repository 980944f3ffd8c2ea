#include "registry/error_bands.h"

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/toml_reader.h"

namespace infercost::registry {

absl::StatusOr<ErrorBands> LoadErrorBands(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  TomlReader top(path, root);
  ErrorBands bands;
  bands.source = path;
  ASSIGN_OR_RETURN(bands.coverage, top.Number("coverage", 0.5, 0.99));
  ASSIGN_OR_RETURN(const toml::table* regimes, top.OptionalTable("regime"));
  RETURN_IF_ERROR(top.RejectUnknownKeys());
  if (regimes == nullptr) return bands;
  for (const auto& [name, node] : *regimes) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: key 'regime.\"{}\"': expected a table with rows, low and high", path,
                      node.source().begin.line, name.str()));
    }
    TomlReader reader(path, *table, fmt::format("regime.\"{}\"", name.str()));
    ErrorBand band;
    ASSIGN_OR_RETURN(band.rows, reader.PositiveInt("rows", 100'000'000));
    ASSIGN_OR_RETURN(band.low, reader.Number("low", 1e-3, 1e3));
    ASSIGN_OR_RETURN(band.high, reader.Number("high", 1e-3, 1e3));
    ASSIGN_OR_RETURN(const double max_context, reader.OptionalNumber("max_context", 0, 0, 1e12));
    ASSIGN_OR_RETURN(const double max_batch, reader.OptionalNumber("max_batch", 0, 0, 1e12));
    band.max_context = static_cast<int64_t>(max_context);
    band.max_batch = static_cast<int64_t>(max_batch);
    RETURN_IF_ERROR(reader.RejectUnknownKeys());
    if (band.low > band.high) {
      return absl::InvalidArgumentError(fmt::format("{}: regime \"{}\": low {} > high {}", path,
                                                    name.str(), band.low, band.high));
    }
    bands.regimes[std::string(name.str())] = band;
  }
  return bands;
}

}  // namespace infercost::registry
