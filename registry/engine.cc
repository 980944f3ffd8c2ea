#include "registry/engine.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "registry/dtype.h"
#include "registry/toml_reader.h"

namespace infercost::registry {
namespace {

// The numeric calibration: one row per key, shared by the loader and ForHardware.
struct CalibrationKey {
  const char* key;
  double Engine::*field;
  double fallback;
  double min;
  double max;
};

constexpr CalibrationKey kCalibrationKeys[] = {
    {"matmul_efficiency", &Engine::matmul_efficiency, 1, 1e-3, 1},
    {"matmul_half_flops", &Engine::matmul_half_flops, 0, 0, 1e18},
    {"low_precision_matmul_ratio", &Engine::low_precision_matmul_ratio, 1, 1e-3, 1},
    {"expert_matmul_ratio", &Engine::expert_matmul_ratio, 1, 1e-3, 1},
    {"bandwidth_efficiency", &Engine::bandwidth_efficiency, 1, 1e-3, 1},
    {"bandwidth_half_bytes", &Engine::bandwidth_half_bytes, 0, 0, 1e15},
    {"kernel_overhead_s", &Engine::kernel_overhead_s, 0, 0, 1},
    {"per_layer_overhead_s", &Engine::per_layer_overhead_s, 0, 0, 1},
    {"per_step_overhead_s", &Engine::per_step_overhead_s, 0, 0, 10},
    {"host_overlap", &Engine::host_overlap, 0, 0, 1},
    {"per_sequence_overhead_s", &Engine::per_sequence_overhead_s, 0, 0, 1},
    {"request_overhead_s", &Engine::request_overhead_s, 0, 0, 10},
    {"main_process_request_overhead_s", &Engine::main_process_request_overhead_s, 0, 0, 10},
    {"postprocess_workers", &Engine::postprocess_workers, 0, 0, 1024},
    {"attention_dp_balance_steps", &Engine::attention_dp_balance_steps, 0, 0, 100000},
    {"batch_wait_timeout_steps", &Engine::batch_wait_timeout_steps, 0, 0, 100000},
    {"batch_wait_max_tokens_ratio", &Engine::batch_wait_max_tokens_ratio, 0, 0, 1},
    {"scheduler_recv_interval", &Engine::scheduler_recv_interval, 1, 1, 10000},
    {"runtime_reserve_bytes", &Engine::runtime_reserve_bytes, 0, 0, 1e15},
    {"reserve_fraction", &Engine::reserve_fraction, 0, 0, 0.9},
    {"decode_attention_unsplit_efficiency", &Engine::decode_attention_unsplit_efficiency, 1, 1e-3,
     1},
    {"decode_attention_kv_sharing", &Engine::decode_attention_kv_sharing, 1, 0, 1},
    {"decode_attention_single_block", &Engine::decode_attention_single_block, 0, 0, 1},
    // Up to 10 TB/s: above any device's HBM bandwidth, so never the binding limit by mistake.
    {"decode_attention_block_bytes_per_s", &Engine::decode_attention_block_bytes_per_s, 0, 0, 1e13},
    {"decode_attention_block_kv_sharing", &Engine::decode_attention_block_kv_sharing, 1, 0, 1},
};

// Keys whose value is a switch: 0 or 1, nothing between.
bool IsSwitchKey(std::string_view key) { return key == "decode_attention_single_block"; }

// An `[experts.<dtype>]` table's keys and their ranges (ExpertKernels::overhead_s and
// ::bandwidth_ratio).
constexpr CalibrationKey kExpertOverheadKey{"kernel_overhead_s", nullptr, 0, 0, 1};
constexpr CalibrationKey kExpertBandwidthKey{"bandwidth_ratio", nullptr, 1, 1e-3, 1};
constexpr const CalibrationKey* kExpertKernelKeys[] = {&kExpertOverheadKey, &kExpertBandwidthKey};

// "experts.<dtype>.<key>" split into the dtype's name and the key (false: not such a key).
bool SplitExpertKernelKey(std::string_view key, std::string_view& dtype, std::string_view& field) {
  constexpr std::string_view kPrefix = "experts.";
  if (key.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = key.substr(kPrefix.size());
  const size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  dtype = rest.substr(0, dot);
  field = rest.substr(dot + 1);
  return true;
}

const CalibrationKey* FindExpertKernelKey(std::string_view field) {
  for (const CalibrationKey* k : kExpertKernelKeys) {
    if (field == k->key) return k;
  }
  return nullptr;
}

// The entry of `engine` for experts of `dtype` (added where it has none).
absl::StatusOr<Engine::ExpertKernels*> ExpertKernelsOf(Engine& engine, std::string_view dtype,
                                                       const std::string& where) {
  absl::StatusOr<DType> parsed = ParseDType(dtype);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: '{}' is not a weight dtype; expected one of {} (the routed experts' "
                    "weight dtype whose kernels the table describes)",
                    where, dtype, DTypeNames()));
  }
  for (Engine::ExpertKernels& e : engine.expert_kernels) {
    if (e.dtype == parsed->id) return &e;
  }
  Engine::ExpertKernels added;
  added.dtype = parsed->id;
  added.dtype_name = std::string(dtype);
  engine.expert_kernels.push_back(added);
  return &engine.expert_kernels.back();
}

// The `[experts.<dtype>]` tables of an engine preset.
absl::Status ReadExpertKernels(const TomlReader& reader, const std::string& path, Engine& engine) {
  ASSIGN_OR_RETURN(const toml::table* experts, reader.OptionalTable("experts"));
  if (experts == nullptr) return absl::OkStatus();
  for (const auto& [name, node] : *experts) {
    const std::string dtype(name.str());
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError(fmt::format(
          "{}:{}: key 'experts.{}': expected a table of the routed experts' kernel keys ({})", path,
          node.source().begin.line, dtype, absl::StrJoin(ExpertKernelKeys(), ", ")));
    }
    TomlReader table_reader(path, *table, "experts." + dtype);
    ASSIGN_OR_RETURN(Engine::ExpertKernels * entry,
                     ExpertKernelsOf(engine, dtype,
                                     fmt::format("{}:{}: table 'experts.{}'", path,
                                                 node.source().begin.line, dtype)));
    const CalibrationKey& overhead = kExpertOverheadKey;
    if (table_reader.Raw(overhead.key) != nullptr) {
      ASSIGN_OR_RETURN(
          entry->overhead_s,
          table_reader.OptionalNumber(overhead.key, overhead.fallback, overhead.min, overhead.max));
    }
    const CalibrationKey& ratio = kExpertBandwidthKey;
    ASSIGN_OR_RETURN(entry->bandwidth_ratio,
                     table_reader.OptionalNumber(ratio.key, ratio.fallback, ratio.min, ratio.max));
    RETURN_IF_ERROR(table_reader.RejectUnknownKeys());
  }
  return absl::OkStatus();
}

// Empty when `value` is allowed for `k`, else what is expected.
std::string ExpectedValue(const CalibrationKey& k, double value) {
  if (IsSwitchKey(k.key)) {
    if (value == 0 || value == 1) return "";
    return "0 or 1 (off or on)";
  }
  if (std::isfinite(value) && value >= k.min && value <= k.max) return "";
  return fmt::format("a number in [{}, {}]", k.min, k.max);
}

// The paged-attention kernel switch (engine-wide; registry/engine.h).
absl::Status ReadDecodeAttentionSwitch(const TomlReader& reader, const std::string& path,
                                       Engine& engine) {
  constexpr int64_t kMaxTokens = int64_t{1} << 24;  // framework/scenario.h kMaxContextTokens
  ASSIGN_OR_RETURN(engine.decode_attention_split_threshold,
                   reader.NonNegativeInt("decode_attention_split_threshold", 0, kMaxTokens));
  ASSIGN_OR_RETURN(engine.decode_attention_partition_tokens,
                   reader.NonNegativeInt("decode_attention_partition_tokens", 512, kMaxTokens));
  ASSIGN_OR_RETURN(engine.decode_attention_split_max_context,
                   reader.NonNegativeInt("decode_attention_split_max_context", 8192, kMaxTokens));
  if (engine.decode_attention_partition_tokens < 1) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: key 'decode_attention_partition_tokens': expected a positive integer (context tokens "
        "per partition of the split attention kernel, vLLM: 512), got 0",
        path));
  }
  return absl::OkStatus();
}

// A switch key read as a number in [0, 1] that is not 0 or 1.
absl::Status CheckSwitch(const TomlReader& reader, const CalibrationKey& k, double value) {
  const std::string expected = ExpectedValue(k, value);
  if (expected.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("{}: expected {}, got {}", reader.Where(k.key), expected, value));
}

absl::Status ReadCalibration(const TomlReader& reader, Engine& engine) {
  for (const CalibrationKey& k : kCalibrationKeys) {
    ASSIGN_OR_RETURN(engine.*k.field, reader.OptionalNumber(k.key, engine.*k.field, k.min, k.max));
    RETURN_IF_ERROR(CheckSwitch(reader, k, engine.*k.field));
  }
  return absl::OkStatus();
}

absl::StatusOr<Engine::HardwareOverride> ReadOverride(const std::string& path,
                                                      const std::string& hardware,
                                                      const toml::table& table) {
  TomlReader reader(path, table, "hardware." + hardware);
  Engine::HardwareOverride override_values;
  override_values.hardware = hardware;
  for (const CalibrationKey& k : kCalibrationKeys) {
    if (table.get(k.key) == nullptr) continue;
    ASSIGN_OR_RETURN(double value, reader.OptionalNumber(k.key, 0, k.min, k.max));
    RETURN_IF_ERROR(CheckSwitch(reader, k, value));
    override_values.values.emplace_back(k.key, value);
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return override_values;
}

}  // namespace

std::vector<std::string> ExpertKernelKeys() {
  std::vector<std::string> keys;
  for (const CalibrationKey* k : kExpertKernelKeys) keys.emplace_back(k->key);
  return keys;
}

const Engine::ExpertKernels* Engine::ExpertKernelsFor(ic_dtype dtype) const {
  for (const ExpertKernels& e : expert_kernels) {
    if (e.dtype == dtype) return &e;
  }
  return nullptr;
}

std::vector<std::string> EngineOverridableKeys() {
  std::vector<std::string> keys;
  for (const CalibrationKey& k : kCalibrationKeys) keys.emplace_back(k.key);
  return keys;
}

bool Engine::Overrides(const std::string& hardware, const std::string& key) const {
  for (const HardwareOverride& o : hardware_overrides) {
    if (o.hardware != hardware) continue;
    for (const auto& [name, value] : o.values) {
      if (name == key) return true;
    }
  }
  return false;
}

absl::Status Engine::SetOverride(const std::string& hardware, const std::string& key,
                                 double value) {
  RETURN_IF_ERROR(CalibrationValue(key).status());
  for (HardwareOverride& o : hardware_overrides) {
    if (o.hardware != hardware) continue;
    for (auto& [k, v] : o.values) {
      if (k == key) {
        v = value;
        return absl::OkStatus();
      }
    }
    o.values.emplace_back(key, value);
    return absl::OkStatus();
  }
  hardware_overrides.push_back({hardware, {{key, value}}});
  return absl::OkStatus();
}

absl::StatusOr<double> Engine::CalibrationValue(std::string_view key) const {
  for (const CalibrationKey& k : kCalibrationKeys) {
    if (key == k.key) return this->*k.field;
  }
  std::string_view dtype, field;
  if (SplitExpertKernelKey(key, dtype, field)) {
    const CalibrationKey* k = FindExpertKernelKey(field);
    absl::StatusOr<DType> parsed = ParseDType(dtype);
    if (k != nullptr && parsed.ok()) {
      const ExpertKernels* e = ExpertKernelsFor(parsed->id);
      if (k == &kExpertBandwidthKey) return e != nullptr ? e->bandwidth_ratio : k->fallback;
      return e != nullptr ? ExpertKernelOverhead(*e) : kernel_overhead_s;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", std::string(key),
      "' is not an engine calibration key; allowed: ", absl::StrJoin(EngineOverridableKeys(), ", "),
      ", and experts.<dtype>.{", absl::StrJoin(ExpertKernelKeys(), ","), "}"));
}

absl::Status Engine::SetCalibrationValue(std::string_view key, double value) {
  for (const CalibrationKey& k : kCalibrationKeys) {
    if (key != k.key) continue;
    const std::string expected = ExpectedValue(k, value);
    if (!expected.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "engine '{}' ({}): key '{}': expected {}, got {}", name, source, key, expected, value));
    }
    this->*k.field = value;
    return absl::OkStatus();
  }
  std::string_view dtype, field;
  if (SplitExpertKernelKey(key, dtype, field)) {
    if (const CalibrationKey* k = FindExpertKernelKey(field); k != nullptr) {
      const std::string expected = ExpectedValue(*k, value);
      if (!expected.empty()) {
        return absl::InvalidArgumentError(fmt::format(
            "engine '{}' ({}): key '{}': expected {}, got {}", name, source, key, expected, value));
      }
      ASSIGN_OR_RETURN(
          ExpertKernels * e,
          ExpertKernelsOf(*this, dtype, fmt::format("engine '{}' key '{}'", name, key)));
      if (k == &kExpertBandwidthKey) {
        e->bandwidth_ratio = value;
      } else {
        e->overhead_s = value;
      }
      return absl::OkStatus();
    }
  }
  return CalibrationValue(key).status();
}

Engine Engine::ForHardware(const std::string& hardware) const {
  Engine resolved = *this;
  for (const HardwareOverride& o : hardware_overrides) {
    if (o.hardware != hardware) continue;
    for (const auto& [key, value] : o.values) {
      for (const CalibrationKey& k : kCalibrationKeys) {
        if (key == k.key) resolved.*k.field = value;
      }
    }
  }
  return resolved;
}

absl::StatusOr<Engine> EngineFromToml(const toml::table& root, const std::string& path);

namespace {

// `from`'s keys written over `into`'s: a table over a table key by key, anything else replaced.
void WriteOver(toml::table& into, const toml::table& from) {
  for (const auto& [key, node] : from) {
    toml::table* into_table = into[key].as_table();
    const toml::table* from_table = node.as_table();
    if (into_table != nullptr && from_table != nullptr) {
      WriteOver(*into_table, *from_table);
    } else {
      node.visit([&, k = key](const auto& value) { into.insert_or_assign(k, value); });
    }
  }
}

// Presets a `base` chain may pass through before it is called circular.
constexpr int kMaxBaseDepth = 8;

// `root` (read from `path`) on the keys of the preset its `base` names, `base` removed.
absl::StatusOr<toml::table> OnItsBase(toml::table root, const std::string& path,
                                      const EngineFileOf& base_file, int depth) {
  const toml::node* base_node = root.get("base");
  if (base_node == nullptr) return root;
  const std::optional<std::string> base = base_node->value<std::string>();
  if (!base.has_value() || base->empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "{}:{}: key 'base': expected the name of the engine preset this one starts from", path,
        base_node->source().begin.line));
  }
  if (!base_file) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: base = '{}': a preset that starts from another is read with the presets of its "
        "directory (LoadPresets, --presets-dir), not alone",
        path, *base));
  }
  const std::string file = base_file(*base);
  if (file.empty()) {
    return absl::NotFoundError(fmt::format(
        "{}: base = '{}': no engine preset of that name in the preset directories", path, *base));
  }
  if (depth >= kMaxBaseDepth) {
    return absl::InvalidArgumentError(
        fmt::format("{}: base = '{}': more than {} presets deep; is the chain circular?", path,
                    *base, kMaxBaseDepth));
  }
  ASSIGN_OR_RETURN(toml::table base_root, ParseTomlFile(file));
  ASSIGN_OR_RETURN(toml::table resolved,
                   OnItsBase(std::move(base_root), file, base_file, depth + 1));
  for (const char* own : {"name", "display_name", "aliases"}) resolved.erase(own);
  root.erase("base");
  WriteOver(resolved, root);
  return resolved;
}

}  // namespace

absl::StatusOr<Engine> LoadEnginePreset(const std::string& path, const EngineFileOf& base_file) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  ASSIGN_OR_RETURN(root, OnItsBase(std::move(root), path, base_file, 0));
  return EngineFromToml(root, path);
}

absl::StatusOr<Engine> ParseEnginePreset(std::string_view text, const std::string& source_name,
                                         const EngineFileOf& base_file) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, source_name));
  ASSIGN_OR_RETURN(root, OnItsBase(std::move(root), source_name, base_file, 0));
  return EngineFromToml(root, source_name);
}

absl::StatusOr<std::string> EnginePresetName(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path));
  TomlReader reader(path, root);
  return reader.String("name");
}

absl::StatusOr<Engine> EngineFromToml(const toml::table& root, const std::string& path) {
  TomlReader reader(path, root);
  Engine engine;
  engine.source = path;
  ASSIGN_OR_RETURN(engine.name, reader.String("name"));
  ASSIGN_OR_RETURN(engine.display_name, reader.String("display_name"));
  ASSIGN_OR_RETURN(engine.aliases, ReadAliases(reader));
  RETURN_IF_ERROR(ReadCalibration(reader, engine));
  engine.serving_path_measured = reader.Raw("request_overhead_s") != nullptr ||
                                 reader.Raw("main_process_request_overhead_s") != nullptr;
  ASSIGN_OR_RETURN(engine.low_precision_math, reader.Bool("low_precision_math", false));
  ASSIGN_OR_RETURN(engine.max_batched_tokens, reader.NonNegativeInt("max_batched_tokens", 0));
  ASSIGN_OR_RETURN(engine.chunked_prefill, reader.Bool("chunked_prefill", true));
  RETURN_IF_ERROR(ReadDecodeAttentionSwitch(reader, path, engine));
  RETURN_IF_ERROR(ReadExpertKernels(reader, path, engine));
  if (reader.Raw("reference_hardware") != nullptr) {
    ASSIGN_OR_RETURN(engine.reference_hardware, reader.String("reference_hardware"));
  }
  ASSIGN_OR_RETURN(engine.serving_schedule,
                   reader.OptionalChoice("serving_schedule", {"mixed", "prefill_first"}, "mixed"));
  ASSIGN_OR_RETURN(const toml::table* per_hardware, reader.OptionalTable("hardware"));
  if (per_hardware != nullptr) {
    for (const auto& [name, node] : *per_hardware) {
      const toml::table* table = node.as_table();
      if (table == nullptr) {
        return absl::InvalidArgumentError(fmt::format(
            "{}:{}: key 'hardware.{}': expected a table of calibration keys ({})", path,
            node.source().begin.line, name.str(), absl::StrJoin(EngineOverridableKeys(), ", ")));
      }
      ASSIGN_OR_RETURN(Engine::HardwareOverride o,
                       ReadOverride(path, std::string(name.str()), *table));
      engine.hardware_overrides.push_back(std::move(o));
    }
  }
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  return engine;
}

}  // namespace infercost::registry
