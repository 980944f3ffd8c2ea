// Strict reading of one TOML table of a preset file, with errors that name file, line and key.
//
//   ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
//   TomlReader reader(path, root);
//   ASSIGN_OR_RETURN(int64_t layers, reader.PositiveInt("num_layers"));
//   RETURN_IF_ERROR(reader.RejectUnknownKeys());   // typos are errors, not silently ignored
#ifndef INFERCOST_REGISTRY_TOML_READER_H_
#define INFERCOST_REGISTRY_TOML_READER_H_

#include <toml++/toml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infercost::registry {

// Largest preset, manifest or config.json file read (a larger one is refused, not read).
inline constexpr uint64_t kMaxInputFileBytes = uint64_t{16} << 20;  // 16 MiB

// The whole of a regular file of at most kMaxInputFileBytes; errors say what is wrong with the
// path (missing, a directory, unreadable, too large) and name it.
absl::StatusOr<std::string> ReadInputFile(const std::string& path);

// Parses a TOML file; a syntax error names file, line and column.
absl::StatusOr<toml::table> ParseTomlFile(const std::string& path);
// Parses TOML text that came from `source_name` (for messages); used by ParseTomlFile and the
// fuzzers.
absl::StatusOr<toml::table> ParseTomlText(std::string_view text, const std::string& source_name);

class TomlReader {
 public:
  // `table_name` is "" for the root table, else e.g. "moe" (used in messages).
  TomlReader(std::string file, const toml::table& table, std::string table_name = "");

  absl::StatusOr<std::string> String(std::string_view key) const;
  // A string that must be one of `allowed`; the error lists them.
  absl::StatusOr<std::string> Choice(std::string_view key,
                                     const std::vector<std::string>& allowed) const;
  absl::StatusOr<std::string> OptionalChoice(std::string_view key,
                                             const std::vector<std::string>& allowed,
                                             std::string fallback) const;
  // An array of non-empty strings; empty when absent.
  absl::StatusOr<std::vector<std::string>> OptionalStrings(std::string_view key) const;
  // An integer in 1..max.
  absl::StatusOr<int64_t> PositiveInt(std::string_view key,
                                      int64_t max = std::numeric_limits<int64_t>::max()) const;
  // An integer in 0..max (the fallback when absent, if given).
  absl::StatusOr<int64_t> NonNegativeInt(std::string_view key,
                                         std::optional<int64_t> fallback = std::nullopt,
                                         int64_t max = std::numeric_limits<int64_t>::max()) const;
  // A required number in [min, max].
  absl::StatusOr<double> Number(std::string_view key, double min, double max) const;
  // Accepts integers or floats; must be finite and > 0 (or >= 0 when allow_zero).
  absl::StatusOr<double> PositiveNumber(std::string_view key, bool allow_zero = false) const;
  absl::StatusOr<double> OptionalNumber(std::string_view key, double fallback, double min,
                                        double max) const;
  absl::StatusOr<bool> Bool(std::string_view key,
                            std::optional<bool> fallback = std::nullopt) const;
  // The raw node of `key` (nullptr when absent), for values of shapes the typed readers do not
  // cover; marks the key as known.
  const toml::node* Raw(std::string_view key) const { return Find(key); }
  // A sub-table, or nullptr when absent (an error if present but not a table).
  absl::StatusOr<const toml::table*> OptionalTable(std::string_view key) const;

  // Error unless every key of the table was read (catches typos); lists the known keys.
  absl::Status RejectUnknownKeys() const;

  // "file:line: [table.]key" for messages.
  std::string Where(std::string_view key) const;
  const std::string& file() const { return file_; }

 private:
  const toml::node* Find(std::string_view key) const;
  absl::Status Missing(std::string_view key) const;
  absl::Status Invalid(std::string_view key, std::string_view expected) const;

  std::string file_;
  const toml::table& table_;
  std::string table_name_;
  mutable absl::flat_hash_set<std::string> read_keys_;
};

// A preset's `aliases` (other names it answers to, e.g. a Hugging Face id), lowercased as
// registry lookups compare them; empty when absent.
absl::StatusOr<std::vector<std::string>> ReadAliases(const TomlReader& reader);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_TOML_READER_H_
