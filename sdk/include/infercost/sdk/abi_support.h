// infercost SDK — the ABI's vocabulary and rules in one place, shared by the framework (loader,
// ledger, timer, report), the plugins, the conformance kit and the tests: phase names and
// sections, plugin kind names, the HBM bytes of a phase, and the checks every host applies to
// plugin tables and phase records.
//
//   namespace sdk = infercost::sdk;
//   sdk::PhaseName(IC_PHASE_QK_SCORES);     // "qk_scores"
//   sdk::PhaseSection(IC_PHASE_K_PROJ);     // IC_SECTION_ATTENTION
//   sdk::HbmBytes(cost);                    // weight + KV read + KV write + activation bytes
//   sdk::ModelTime(model, cost);            // ABI 1.5: the time an ic_time_model gives cost
//   sdk::KindTableProblem(*plugin);         // "" or "attention_variant table: ... is null"
//   sdk::PhaseRecordValid(cost);            // true for a well-formed record (no allocation)
//   sdk::PhaseRecordProblem(cost);          // "" or "qk_scores.matrix_flops = nan: ..."
//   sdk::ReadablePluginText(message);       // valid UTF-8, no control characters, <= 4 KiB
//
// Header-only C++17; depends on the C ABI headers only.
#ifndef INFERCOST_SDK_ABI_SUPPORT_H_
#define INFERCOST_SDK_ABI_SUPPORT_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infercost/c/plugin.h"

namespace infercost::sdk {
inline namespace v1 {

// ---- phases ----

struct PhaseInfo {
  std::string_view name;
  ic_section section;
};

// Indexed by ic_phase_id; order follows the enum in infercost/c/phase.h (append-only).
inline constexpr std::array<PhaseInfo, IC_PHASE_COUNT_V1_1> kPhaseInfo = {{
    {"token_ids", IC_SECTION_VOCABULARY},
    {"embedding", IC_SECTION_VOCABULARY},
    {"attn_norm", IC_SECTION_NORM},
    {"q_proj", IC_SECTION_ATTENTION},
    {"k_proj", IC_SECTION_ATTENTION},
    {"v_proj", IC_SECTION_ATTENTION},
    {"qk_scores", IC_SECTION_ATTENTION},
    {"softmax", IC_SECTION_ATTENTION},
    {"attn_v", IC_SECTION_ATTENTION},
    {"o_proj", IC_SECTION_ATTENTION},
    {"ffn_norm", IC_SECTION_NORM},
    {"ffn_gate", IC_SECTION_FFN},
    {"ffn_up", IC_SECTION_FFN},
    {"ffn_act", IC_SECTION_FFN},
    {"ffn_down", IC_SECTION_FFN},
    {"final_norm", IC_SECTION_NORM},
    {"lm_head", IC_SECTION_VOCABULARY},
    {"sampling", IC_SECTION_VOCABULARY},
    {"q_a_proj", IC_SECTION_ATTENTION},
    {"q_b_proj", IC_SECTION_ATTENTION},
    {"kv_a_proj", IC_SECTION_ATTENTION},
    {"kv_b_proj", IC_SECTION_ATTENTION},
    {"moe_router", IC_SECTION_FFN},
    {"moe_experts", IC_SECTION_FFN},
    {"moe_shared_experts", IC_SECTION_FFN},
    {"attn_all_reduce", IC_SECTION_COMMUNICATION},
    {"ffn_all_reduce", IC_SECTION_COMMUNICATION},
    {"pp_send_recv", IC_SECTION_COMMUNICATION},
    {"ep_dispatch", IC_SECTION_COMMUNICATION},
    {"ep_combine", IC_SECTION_COMMUNICATION},
    {"linear_in_proj", IC_SECTION_ATTENTION},
    {"short_conv", IC_SECTION_ATTENTION},
    {"state_update", IC_SECTION_ATTENTION},
    {"output_gate", IC_SECTION_ATTENTION},
    {"indexer_proj", IC_SECTION_ATTENTION},
    {"indexer_scores", IC_SECTION_ATTENTION},
}};

inline constexpr bool IsKnownPhase(ic_phase_id id) noexcept {
  return id >= 0 && id < IC_PHASE_COUNT_V1_1;
}
// "qk_scores"; "" for an id this ABI does not know.
inline constexpr std::string_view PhaseName(ic_phase_id id) noexcept {
  return IsKnownPhase(id) ? kPhaseInfo[static_cast<size_t>(id)].name : std::string_view();
}
// The section of a known phase (unknown ids: attention, where a variant's phases go).
inline constexpr ic_section PhaseSection(ic_phase_id id) noexcept {
  return IsKnownPhase(id) ? kPhaseInfo[static_cast<size_t>(id)].section : IC_SECTION_ATTENTION;
}
inline constexpr bool IsAttentionPhase(ic_phase_id id) noexcept {
  return IsKnownPhase(id) && PhaseSection(id) == IC_SECTION_ATTENTION;
}
inline constexpr std::string_view SectionName(ic_section section) noexcept {
  switch (section) {
    case IC_SECTION_VOCABULARY:
      return "vocabulary";
    case IC_SECTION_NORM:
      return "norm";
    case IC_SECTION_ATTENTION:
      return "attention";
    case IC_SECTION_FFN:
      return "ffn";
    case IC_SECTION_COMMUNICATION:
      return "communication";
    default:
      return "unknown";
  }
}

// Bytes a phase moves through HBM: weights, KV cache reads and writes, activations.
// (Communication bytes go over links, not HBM.)
inline constexpr double HbmBytes(const ic_phase_cost& c) noexcept {
  return c.weight_bytes + c.kv_read_bytes + c.kv_write_bytes + c.activation_bytes;
}

// ABI 1.5: the time an ic_time_model gives `cost`: overhead_s + the largest of its pieces
// (constant_s + seconds per unit of each timed field); 0 for a model of no pieces.
inline double ModelTime(const ic_time_model& model, const ic_phase_cost& cost) noexcept {
  if (model.piece_count == 0) return 0;
  double largest = 0;
  for (uint32_t p = 0; p < model.piece_count && p < IC_TIME_MODEL_MAX_PIECES; ++p) {
    const ic_time_piece& piece = model.pieces[p];
    const double value = piece.constant_s + piece.s_per_matrix_flop * cost.matrix_flops +
                         piece.s_per_vector_flop * cost.vector_flops +
                         piece.s_per_weight_byte * cost.weight_bytes +
                         piece.s_per_kv_read_byte * cost.kv_read_bytes +
                         piece.s_per_kv_write_byte * cost.kv_write_bytes +
                         piece.s_per_activation_byte * cost.activation_bytes;
    largest = p == 0 || value > largest ? value : largest;
  }
  return model.overhead_s + largest;
}

// True for a finite number >= 0 (false for NaN, infinities and negatives): one comparison pair.
inline constexpr bool FiniteNonNegative(double value) noexcept {
  return value >= 0 && value <= std::numeric_limits<double>::max();
}

// GPUs of the tensor-parallel group that hold `cost`'s weights (ABI 1.2 weight_copies): 1 when
// the record predates the field or leaves it 0 (each GPU its own shard).
inline double WeightCopies(const ic_phase_cost& cost) noexcept {
  return IC_HAS_FIELD(&cost, ic_phase_cost, weight_copies) && cost.weight_copies > 1
             ? cost.weight_copies
             : 1.0;
}

// True when a phase record a plugin produced is well formed: struct_size at least its ABI 1.0
// size, a known phase id, every metric finite and >= 0, matmul sizes >= 0 (the common case,
// decided inline without building anything; PhaseRecordProblem says what is wrong otherwise).
inline bool PhaseRecordValid(const ic_phase_cost& cost) noexcept {
  return cost.struct_size >= IC_PHASE_COST_V1_0_SIZE && IsKnownPhase(cost.phase) &&
         FiniteNonNegative(cost.params) && FiniteNonNegative(cost.matrix_flops) &&
         FiniteNonNegative(cost.vector_flops) && FiniteNonNegative(cost.weight_bytes) &&
         FiniteNonNegative(cost.kv_read_bytes) && FiniteNonNegative(cost.kv_write_bytes) &&
         FiniteNonNegative(cost.activation_bytes) && FiniteNonNegative(cost.comm_bytes) &&
         cost.gemm_m >= 0 && cost.gemm_n >= 0 && cost.gemm_k >= 0 && cost.gemm_count >= 0 &&
         (!IC_HAS_FIELD(&cost, ic_phase_cost, weight_copies) ||
          FiniteNonNegative(cost.weight_copies));
}

// What is wrong with a phase record a plugin produced ("" = nothing): struct_size below its ABI
// 1.0 size, an unknown phase id, a metric not finite or negative, a negative matmul size. The
// message names the phase and the field ("qk_scores.matrix_flops = nan (must be finite and
// >= 0)").
inline std::string PhaseRecordProblem(const ic_phase_cost& cost) {
  if (cost.struct_size < IC_PHASE_COST_V1_0_SIZE) {
    return "record struct_size " + std::to_string(cost.struct_size) +
           " is smaller than its ABI 1.0 size " + std::to_string(IC_PHASE_COST_V1_0_SIZE);
  }
  if (!IsKnownPhase(cost.phase)) {
    return "unknown phase id " + std::to_string(cost.phase) + " (known ids are 0.." +
           std::to_string(IC_PHASE_COUNT_V1_1 - 1) + ", see infercost/c/phase.h)";
  }
  if (PhaseRecordValid(cost)) return "";
  // Built only for a message.
  const auto phase = [&cost] { return std::string(PhaseName(cost.phase)); };
  const std::pair<const char*, double> metrics[] = {{"params", cost.params},
                                                    {"matrix_flops", cost.matrix_flops},
                                                    {"vector_flops", cost.vector_flops},
                                                    {"weight_bytes", cost.weight_bytes},
                                                    {"kv_read_bytes", cost.kv_read_bytes},
                                                    {"kv_write_bytes", cost.kv_write_bytes},
                                                    {"activation_bytes", cost.activation_bytes},
                                                    {"comm_bytes", cost.comm_bytes}};
  for (const auto& [field, value] : metrics) {
    if (!std::isfinite(value) || value < 0) {
      std::ostringstream text;
      if (std::isnan(value)) {
        text << "NaN";
      } else if (std::isinf(value)) {
        text << (value > 0 ? "inf" : "-inf");
      } else {
        text << value;
      }
      return phase() + "." + field + " = " + text.str() + " (must be finite and >= 0)";
    }
  }
  // 1.2: weight_copies, read only when the record holds it.
  if (IC_HAS_FIELD(&cost, ic_phase_cost, weight_copies) &&
      (!std::isfinite(cost.weight_copies) || cost.weight_copies < 0)) {
    std::ostringstream text;
    text << cost.weight_copies;
    return phase() + ".weight_copies = " + text.str() +
           " (must be finite and >= 0: the GPUs of the tensor-parallel group that hold this "
           "record's weights identically, 0 or 1 when each holds its own shard)";
  }
  const std::pair<const char*, int64_t> sizes[] = {{"gemm_m", cost.gemm_m},
                                                   {"gemm_n", cost.gemm_n},
                                                   {"gemm_k", cost.gemm_k},
                                                   {"gemm_count", cost.gemm_count}};
  for (const auto& [field, value] : sizes) {
    if (value < 0)
      return phase() + "." + field + " = " + std::to_string(value) + " (matmul sizes are >= 0)";
  }
  return "";
}

// A host's records as a 1.0 kernel's rewrite_traffic reads them (IC_PHASE_COST_V1_0_SIZE bytes
// each, no element size in that call), and back: the kernel's 1.0 fields, later ones as they were.
inline std::vector<char> PackPhasesV1_0(const std::vector<ic_phase_cost>& phases) {
  std::vector<char> packed(phases.size() * IC_PHASE_COST_V1_0_SIZE);
  for (size_t i = 0; i < phases.size(); ++i) {
    ic_phase_cost record = phases[i];
    record.struct_size = IC_PHASE_COST_V1_0_SIZE;
    std::memcpy(packed.data() + i * IC_PHASE_COST_V1_0_SIZE, &record, IC_PHASE_COST_V1_0_SIZE);
  }
  return packed;
}
inline void UnpackPhasesV1_0(const std::vector<char>& packed, std::vector<ic_phase_cost>& phases) {
  for (size_t i = 0; i < phases.size(); ++i) {
    const uint32_t size = phases[i].struct_size;
    std::memcpy(&phases[i], packed.data() + i * IC_PHASE_COST_V1_0_SIZE, IC_PHASE_COST_V1_0_SIZE);
    phases[i].struct_size = size;
  }
}

// ---- layers ----

// The class of a layer of `kind` when the variant does not classify layers itself: one class
// per layer kind (FNV-1a of the kind). The SDK's default ClassifyLayer and hosts facing a
// plugin without classify_layer both use it.
inline constexpr uint64_t LayerKindClass(std::string_view kind) noexcept {
  uint64_t hash = 14695981039346656037ull;
  for (char c : kind) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

// ---- plugin kinds, names and tables ----

// A plugin's registry name: 1-64 of [a-z0-9._-] (what manifests, presets and flags name).
inline constexpr bool IsPluginName(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// "attention_variant", "attention_kernel", "hardware" (the manifests' spelling), or "".
inline std::string_view KindName(ic_plugin_kind kind) noexcept {
  switch (kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT:
      return "attention_variant";
    case IC_PLUGIN_KIND_ATTENTION_KERNEL:
      return "attention_kernel";
    case IC_PLUGIN_KIND_HARDWARE:
      return "hardware";
    default:
      return "";
  }
}

// The frozen ABI 1.0 size of a kind's function table (0 for an unknown kind). Tables only grow
// within a major: any 1.x table is at least this large.
inline uint32_t KindTableV1_0Size(ic_plugin_kind kind) noexcept {
  switch (kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT:
      return IC_ATTENTION_VARIANT_TABLE_V1_0_SIZE;
    case IC_PLUGIN_KIND_ATTENTION_KERNEL:
      return IC_ATTENTION_KERNEL_TABLE_V1_0_SIZE;
    case IC_PLUGIN_KIND_HARDWARE:
      return IC_HARDWARE_TABLE_V1_0_SIZE;
    default:
      return 0;
  }
}

// What is wrong with the plugin's kind table ("" = nothing): present, at least its ABI 1.0
// size, and every 1.0 function set. Functions a later minor appended are optional: hosts check
// them with IC_HAS_FIELD and for NULL before each use.
inline std::string KindTableProblem(const ic_plugin& plugin) {
  if (plugin.kind_table == nullptr) return "kind_table is null";
  const std::string_view kind = KindName(plugin.kind);
  if (kind.empty()) {
    return "unknown plugin kind " + std::to_string(plugin.kind) +
           " (ABI 1 knows 1 = attention_variant, 2 = attention_kernel, 3 = hardware)";
  }
  const uint32_t size = *static_cast<const uint32_t*>(plugin.kind_table);
  const uint32_t minimum = KindTableV1_0Size(plugin.kind);
  if (size < minimum) {
    return std::string(kind) + " table struct_size " + std::to_string(size) +
           " is smaller than its ABI 1.0 size " + std::to_string(minimum);
  }
  const auto null = [&](const char* function) {
    return std::string(kind) + " table: " + function + " is null";
  };
  switch (plugin.kind) {
    case IC_PLUGIN_KIND_ATTENTION_VARIANT: {
      const auto* t = static_cast<const ic_attention_variant_table*>(plugin.kind_table);
      if (!t->validate) return null("validate");
      if (!t->kv_cache_bytes_per_token) return null("kv_cache_bytes_per_token");
      if (!t->emit_phases) return null("emit_phases");
      return "";
    }
    case IC_PLUGIN_KIND_ATTENTION_KERNEL: {
      const auto* t = static_cast<const ic_attention_kernel_table*>(plugin.kind_table);
      if (!t->rewrite_traffic) return null("rewrite_traffic");
      return "";
    }
    default: {
      const auto* t = static_cast<const ic_hardware_table*>(plugin.kind_table);
      if (!t->device_count) return null("device_count");
      if (!t->describe_device) return null("describe_device");
      if (!t->phase_time) return null("phase_time");
      if (!t->collective_time) return null("collective_time");
      return "";
    }
  }
}

// ---- text a plugin gives the host ----

// `text` (an error or log message, a version, a device's display name) as a host shows it:
// bytes that are not UTF-8, and control characters other than newline and tab (a terminal's
// escape sequences), each become U+FFFD; past `max_bytes` the rest is cut at a character's start
// and counted. Valid, short text comes back unchanged.
inline std::string ReadablePluginText(std::string_view text, size_t max_bytes = 4096) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    // The length of the well-formed sequence at i (Unicode 15, table 3-7), 0 when it is not one.
    size_t length = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      length = 1;
      code = c;
    } else {
      unsigned char low = 0x80, high = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        if (c == 0xE0) low = 0xA0;
        if (c == 0xED) high = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        if (c == 0xF0) low = 0x90;
        if (c == 0xF4) high = 0x8F;
      }
      if (length > 0 && i + length <= text.size() && byte(i + 1) >= low && byte(i + 1) <= high) {
        code = c & (0xFFu >> (length + 1));
        for (size_t k = 1; k < length; ++k) {
          if (k > 1 && (byte(i + k) < 0x80 || byte(i + k) > 0xBF)) length = 0;
          code = (code << 6) | (byte(i + k) & 0x3Fu);
        }
      } else {
        length = 0;
      }
    }
    const bool control = length > 0 && ((code < 0x20 && code != '\n' && code != '\t') ||
                                        (code >= 0x7F && code <= 0x9F));
    const std::string_view piece = length == 0 || control ? kReplacement : text.substr(i, length);
    if (out.size() + piece.size() > max_bytes) {
      out += " ... (";
      out += std::to_string(text.size() - i);
      out += " more bytes)";
      return out;
    }
    out += piece;
    i += length == 0 ? 1 : length;
  }
  return out;
}

}  // namespace v1
}  // namespace infercost::sdk

#endif  // INFERCOST_SDK_ABI_SUPPORT_H_
