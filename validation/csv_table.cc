#include "validation/csv_table.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/toml_reader.h"

namespace infercost::validation {
namespace {

absl::StatusOr<std::vector<std::string>> SplitLine(const std::string& line,
                                                   const std::string& where) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted)
    return absl::InvalidArgumentError(fmt::format("{}: unterminated quoted field", where));
  for (std::string& field : fields) field = std::string(absl::StripAsciiWhitespace(field));
  return fields;
}

}  // namespace

absl::StatusOr<int> CsvTable::Column(const std::string& column) const {
  const std::string& where = header_source.empty() ? name : header_source;
  const auto found = std::find(header.begin(), header.end(), column);
  if (found == header.end()) {
    return absl::InvalidArgumentError(fmt::format("{}: header has no column '{}'", where, column));
  }
  if (const auto again = std::find(found + 1, header.end(), column); again != header.end()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: the header names column '{}' twice (fields {} and {}); keep one", where,
                    column, found - header.begin() + 1, again - header.begin() + 1));
  }
  return static_cast<int>(found - header.begin());
}

absl::StatusOr<CsvTable> ParseCsvTable(const std::string& text, const std::string& name,
                                       bool has_header) {
  CsvTable table;
  table.name = name;
  // (A UTF-8 byte-order mark, as spreadsheet programs write, is not part of the first column's
  // name.)
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  std::istringstream in(text.compare(0, kByteOrderMark.size(), kByteOrderMark) == 0
                            ? text.substr(kByteOrderMark.size())
                            : text);
  std::string line;
  int line_number = 0;
  bool header_read = !has_header;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::string where = fmt::format("{}:{}", name, line_number);
    ASSIGN_OR_RETURN(std::vector<std::string> fields, SplitLine(line, where));
    if (!header_read) {
      table.header = std::move(fields);
      table.header_source = where;
      header_read = true;
      continue;
    }
    if (has_header && fields.size() != table.header.size()) {
      return absl::InvalidArgumentError(fmt::format("{}: {} fields, but the header has {}", where,
                                                    fields.size(), table.header.size()));
    }
    table.rows.push_back({where, std::move(fields)});
  }
  if (!header_read) return absl::InvalidArgumentError(fmt::format("{}: empty file", name));
  return table;
}

absl::StatusOr<std::string> ReadCsvText(const std::string& path) {
  // (Every input file's checks: a regular file - not a directory, pipe or device - of bounded
  // size, read whole.)
  return registry::ReadInputFile(path);
}

absl::StatusOr<CsvTable> ReadCsvTable(const std::string& path, bool has_header) {
  ASSIGN_OR_RETURN(const std::string text, ReadCsvText(path));
  return ParseCsvTable(text, path, has_header);
}

int DecimalsWritten(const std::string& text) {
  if (text.empty() || text.find_first_not_of("+-0123456789.") != std::string::npos) return -1;
  const size_t point = text.find('.');
  return point == std::string::npos ? 0 : static_cast<int>(text.size() - point - 1);
}

absl::StatusOr<double> CsvNumber(const CsvRow& row, int column, const std::string& what) {
  double value = 0;
  const std::string& text = row.fields.at(static_cast<size_t>(column));
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
    return absl::InvalidArgumentError(
        fmt::format("{}: '{}' = '{}' is not a number", row.source, what, text));
  }
  return value;
}

absl::StatusOr<int64_t> CsvInt(const CsvRow& row, int column, const std::string& what,
                               int64_t fallback) {
  const std::string& text = row.fields.at(static_cast<size_t>(column));
  if (text.empty()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(
        fmt::format("{}: '{}' = '{}' is not an integer", row.source, what, text));
  }
  return value;
}

}  // namespace infercost::validation
