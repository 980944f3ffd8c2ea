#include "registry/toml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"

namespace infercost::registry {
namespace {

std::string Render(const toml::node& node) {
  // A number as it was written (-3.99, not toml++'s 17 digits -3.9900000000000002): the shortest
  // text that reads back as the same double.
  if (const auto* number = node.as_floating_point()) return fmt::format("{}", number->get());
  std::ostringstream out;
  out << toml::node_view<const toml::node>{&node};
  return out.str();
}

}  // namespace

absl::StatusOr<std::string> ReadInputFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return absl::NotFoundError(fmt::format("{}: no such file", path));
  }
  if (fs::is_directory(status)) {
    return absl::InvalidArgumentError(
        fmt::format("{}: is a directory, not a file; name the file itself", path));
  }
  if (!fs::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        fmt::format("{}: not a regular file (a device, socket or pipe); name a file", path));
  }
  const uintmax_t size = fs::file_size(path, error);
  if (!error && size > kMaxInputFileBytes) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {} bytes is larger than the {} bytes an input file may have", path, size,
                    kMaxInputFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        fmt::format("{}: cannot be read ({}); check its permissions", path, std::strerror(errno)));
  }
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxInputFileBytes) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: larger than the {} bytes an input file may have", path, kMaxInputFileBytes));
    }
  }
  if (in.bad()) {
    return absl::DataLossError(fmt::format("{}: read error ({})", path, std::strerror(errno)));
  }
  return text;
}

absl::StatusOr<toml::table> ParseTomlText(std::string_view text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    return absl::InvalidArgumentError(fmt::format("{}:{}:{}: malformed TOML: {}", source_name,
                                                  begin.line, begin.column, error.description()));
  } catch (const std::exception& error) {
    return absl::InvalidArgumentError(
        fmt::format("{}: cannot be parsed as TOML: {}", source_name, error.what()));
  }
}

absl::StatusOr<toml::table> ParseTomlFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadInputFile(path);
  if (!text.ok()) return text.status();
  return ParseTomlText(*text, path);
}

TomlReader::TomlReader(std::string file, const toml::table& table, std::string table_name)
    : file_(std::move(file)), table_(table), table_name_(std::move(table_name)) {}

std::string TomlReader::Where(std::string_view key) const {
  const toml::node* node = table_.get(key);
  const auto line = node != nullptr ? node->source().begin.line : table_.source().begin.line;
  const std::string qualified =
      table_name_.empty() ? std::string(key) : fmt::format("{}.{}", table_name_, key);
  return fmt::format("{}:{}: key '{}'", file_, line, qualified);
}

const toml::node* TomlReader::Find(std::string_view key) const {
  read_keys_.insert(std::string(key));
  return table_.get(key);
}

absl::Status TomlReader::Missing(std::string_view key) const {
  const std::string where =
      table_name_.empty() ? std::string("the top level") : fmt::format("table [{}]", table_name_);
  return absl::InvalidArgumentError(
      fmt::format("{}: missing required key '{}' in {}", file_, key, where));
}

absl::Status TomlReader::Invalid(std::string_view key, std::string_view expected) const {
  const toml::node* node = table_.get(key);
  return absl::InvalidArgumentError(fmt::format("{}: expected {}, got {}", Where(key), expected,
                                                node != nullptr ? Render(*node) : "nothing"));
}

absl::StatusOr<std::string> TomlReader::String(std::string_view key) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return Missing(key);
  if (auto value = node->value<std::string>(); value && !value->empty()) return *value;
  return Invalid(key, "a non-empty string");
}

absl::StatusOr<std::vector<std::string>> TomlReader::OptionalStrings(std::string_view key) const {
  std::vector<std::string> strings;
  const toml::node* node = Find(key);
  if (node == nullptr) return strings;
  const toml::array* array = node->as_array();
  if (array == nullptr) return Invalid(key, "an array of non-empty strings");
  for (const toml::node& element : *array) {
    auto value = element.value<std::string>();
    if (!value || value->empty()) return Invalid(key, "an array of non-empty strings");
    strings.push_back(*value);
  }
  return strings;
}

absl::StatusOr<std::string> TomlReader::Choice(std::string_view key,
                                               const std::vector<std::string>& allowed) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return Missing(key);
  auto value = node->value<std::string>();
  if (value && std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return *value;
  return Invalid(key, fmt::format("one of {}", absl::StrJoin(allowed, ", ")));
}

absl::StatusOr<std::string> TomlReader::OptionalChoice(std::string_view key,
                                                       const std::vector<std::string>& allowed,
                                                       std::string fallback) const {
  if (table_.get(key) == nullptr) {
    read_keys_.insert(std::string(key));
    return fallback;
  }
  return Choice(key, allowed);
}

absl::StatusOr<int64_t> TomlReader::PositiveInt(std::string_view key, int64_t max) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return Missing(key);
  if (auto value = node->value_exact<int64_t>(); value && *value > 0 && *value <= max) {
    return *value;
  }
  return Invalid(key, max == std::numeric_limits<int64_t>::max()
                          ? std::string("a positive integer")
                          : fmt::format("an integer in 1..{}", max));
}

absl::StatusOr<int64_t> TomlReader::NonNegativeInt(std::string_view key,
                                                   std::optional<int64_t> fallback,
                                                   int64_t max) const {
  const toml::node* node = Find(key);
  if (node == nullptr) {
    if (fallback) return *fallback;
    return Missing(key);
  }
  if (auto value = node->value_exact<int64_t>(); value && *value >= 0 && *value <= max) {
    return *value;
  }
  return Invalid(key, max == std::numeric_limits<int64_t>::max()
                          ? std::string("a non-negative integer")
                          : fmt::format("an integer in 0..{}", max));
}

absl::StatusOr<double> TomlReader::Number(std::string_view key, double min, double max) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return Missing(key);
  if (auto value = node->value<double>();
      value && std::isfinite(*value) && *value >= min && *value <= max) {
    return *value;
  }
  return Invalid(key, fmt::format("a number in [{}, {}]", min, max));
}

absl::StatusOr<double> TomlReader::PositiveNumber(std::string_view key, bool allow_zero) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return Missing(key);
  if (auto value = node->value<double>();
      value && std::isfinite(*value) && (*value > 0 || (allow_zero && *value == 0))) {
    return *value;
  }
  return Invalid(key, allow_zero ? "a finite number >= 0" : "a finite number > 0");
}

absl::StatusOr<double> TomlReader::OptionalNumber(std::string_view key, double fallback, double min,
                                                  double max) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return fallback;
  if (auto value = node->value<double>();
      value && std::isfinite(*value) && *value >= min && *value <= max) {
    return *value;
  }
  return Invalid(key, fmt::format("a number in [{}, {}]", min, max));
}

absl::StatusOr<bool> TomlReader::Bool(std::string_view key, std::optional<bool> fallback) const {
  const toml::node* node = Find(key);
  if (node == nullptr) {
    if (fallback) return *fallback;
    return Missing(key);
  }
  if (auto value = node->value_exact<bool>()) return *value;
  return Invalid(key, "true or false");
}

absl::StatusOr<const toml::table*> TomlReader::OptionalTable(std::string_view key) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return nullptr;
  if (const toml::table* table = node->as_table()) return table;
  return Invalid(key, "a table");
}

absl::Status TomlReader::RejectUnknownKeys() const {
  for (const auto& [key, node] : table_) {
    if (read_keys_.contains(std::string(key.str()))) continue;
    std::vector<std::string> known(read_keys_.begin(), read_keys_.end());
    std::sort(known.begin(), known.end());
    return absl::InvalidArgumentError(fmt::format("{}: unknown key (a typo?); known keys here: {}",
                                                  Where(key.str()), absl::StrJoin(known, ", ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ReadAliases(const TomlReader& reader) {
  ASSIGN_OR_RETURN(std::vector<std::string> aliases, reader.OptionalStrings("aliases"));
  for (std::string& alias : aliases) absl::AsciiStrToLower(&alias);
  return aliases;
}

}  // namespace infercost::registry
