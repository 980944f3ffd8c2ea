// A small CSV reader for the measured-data files in tests/data/validation/: a header line naming
// the columns, then rows; fields may be double-quoted ("" inside is one quote). Used by the
// aiconfigurator and per-operator validations.
//
//   ASSIGN_OR_RETURN(CsvTable t, ReadCsvTable(path, /*has_header=*/true));
//   ASSIGN_OR_RETURN(int column, t.Column("silicon_tpot_ms"));
//   t.rows[0].fields[column];
#ifndef INFERCOST_VALIDATION_CSV_TABLE_H_
#define INFERCOST_VALIDATION_CSV_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace infercost::validation {

struct CsvRow {
  std::string source;  // "file:line", for messages
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string name;
  std::string header_source;        // "file:line" of the header, for messages
  std::vector<std::string> header;  // empty when the file has none
  std::vector<CsvRow> rows;         // every row has header.size() fields when there is a header

  // Index of a header column; InvalidArgument naming the file and the column when absent.
  absl::StatusOr<int> Column(const std::string& column) const;
};

// Parses CSV text (blank lines skipped, fields trimmed). With `has_header`, the first non-blank
// line is the header and every row must have as many fields.
absl::StatusOr<CsvTable> ParseCsvTable(const std::string& text, const std::string& name,
                                       bool has_header);
absl::StatusOr<CsvTable> ReadCsvTable(const std::string& path, bool has_header);
// The text of the file at `path` (an error naming it when it is a directory or cannot be read).
absl::StatusOr<std::string> ReadCsvText(const std::string& path);

// The digits after the point of a plain decimal number's text ("0.25": 2, "3": 0), or -1 where it
// has an exponent or is not one.
int DecimalsWritten(const std::string& text);

// Field parsers whose errors name the row and the column.
absl::StatusOr<double> CsvNumber(const CsvRow& row, int column, const std::string& what);
// An integer; `fallback` when the field is empty.
absl::StatusOr<int64_t> CsvInt(const CsvRow& row, int column, const std::string& what,
                               int64_t fallback);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_CSV_TABLE_H_
