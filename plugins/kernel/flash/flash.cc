// The FlashAttention kernel (Dao et al. 2022, arXiv:2205.14135): scores, softmax and attn_v are
// fused and the scores stay in on-chip memory, so there is no score traffic. In exchange, K and
// V are streamed from HBM once per query tile. A decode step (one query) is a single tile and
// reads K/V once, as the variant reported; to keep every compute unit busy it splits the keys
// (Flash-Decoding, Dao et al. 2023) and pays for writing and re-reading the partial results.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/plugin.h"

namespace {

namespace am = infercost::sdk::attention_math;

// FlashAttention Algorithm 1: with M bytes of SRAM per compute unit, key/value tiles of
// Bc = floor(M / (4 * dh * ab)) rows and query tiles of Br = min(Bc, dh) rows fit on chip.
double QueryTileRows(const ic_attention_shape& shape, const ic_stage& stage,
                     const ic_kernel_device& device) {
  const double sram_per_unit =
      device.compute_units > 0
          ? device.onchip_memory_bytes / static_cast<double>(device.compute_units)
          : device.onchip_memory_bytes;
  const double head_dim = static_cast<double>(shape.head_dim);
  const double ab = stage.activation_bytes_per_element;
  const double key_tile_rows = ab > 0 ? std::floor(sram_per_unit / (4 * head_dim * ab)) : head_dim;
  return std::max(1.0, std::min(key_tile_rows, head_dim));  // at least one row per tile
}

// Keys one sequence streams over all query tiles. Tile t (1-based) holds the queries up to
// position past + t*Br and reads KeysRead(Br, past + t*Br, W) keys: past + t*Br while that is
// below the window cap W + Br - 1, the cap after. Closed form over the full tiles; the last
// (possibly partial) tile ends at C.
double KeysStreamedOverTiles(int64_t query_tokens, int64_t context_tokens, int64_t window,
                             double tile_rows) {
  const double q = static_cast<double>(query_tokens);
  const double past = static_cast<double>(context_tokens - query_tokens);
  const double tiles = std::ceil(q / tile_rows);
  const double full_tiles = tiles - 1;
  const double last_tile_rows = q - full_tiles * tile_rows;
  // Full tiles 1..growing read past + t*Br keys; the rest read the window cap.
  double growing = full_tiles;
  double cap = 0;
  if (window > 0) {
    cap = static_cast<double>(window) + tile_rows - 1;
    growing = std::clamp(std::floor((cap - past) / tile_rows), 0.0, full_tiles);
  }
  const double full_tile_keys =
      growing * past + tile_rows * growing * (growing + 1) / 2 + (full_tiles - growing) * cap;
  return full_tile_keys +
         am::KeysRead(static_cast<int64_t>(last_tile_rows), context_tokens, window);
}

// Flash-Decoding: a decode step has only B x H (query, head) pairs of work, too few for the
// device's compute units, so the keys are split into S chunks processed in parallel:
// S = ceil(units / (B * H)), but no split shorter than kMinKeysPerSplit keys. Each split writes a
// partial output (dv values) plus its running max and sum in fp32; a reduction reads them back.
constexpr double kMinKeysPerSplit = 256;
constexpr double kPartialBytesPerValue = 4;  // fp32 partial results

double DecodeSplits(const ic_attention_shape& shape, const ic_stage& stage,
                    const ic_kernel_device& device, double keys) {
  if (device.compute_units <= 0) return 1;
  const double heads =
      static_cast<double>(am::HeadsPerShard(shape.num_heads, stage.tensor_parallel));
  const double work_items = static_cast<double>(stage.batch) * heads;
  const double for_units = std::ceil(static_cast<double>(device.compute_units) / work_items);
  return std::max(1.0, std::min(for_units, std::ceil(keys / kMinKeysPerSplit)));
}

// Values per (sequence, head) a split's partial output holds: the value head dim, or the latent
// rank when MLA attends over the latent (absorbed form, which is what decode uses by default).
double PartialOutputWidth(const ic_attention_shape& shape, const ic_stage& stage) {
  const bool latent = shape.kv_lora_rank > 0 && stage.mla_form != IC_MLA_FORM_DECOMPRESS;
  return static_cast<double>(latent ? shape.kv_lora_rank : am::ValueHeadDim(shape));
}

class FlashAttention final : public infercost::sdk::AttentionKernel {
 public:
  static constexpr bool kThreadSafe = true;  // stateless

  void RewriteTraffic(const ic_attention_shape& shape, const ic_stage& stage,
                      const ic_kernel_device& device, ic_phase_cost* phases,
                      uint64_t phase_count) override {
    am::ValidateAttentionShape(shape, stage.tensor_parallel);
    am::ValidateStage(stage);
    if (!(device.onchip_memory_bytes > 0) || !std::isfinite(device.onchip_memory_bytes)) {
      am::RejectArgument("onchip_memory_bytes = " + am::FormatNumber(device.onchip_memory_bytes) +
                         " must be positive for flash attention; set the device's shared memory "
                         "(SRAM) summed over its compute units");
    }
    const double keys =
        am::KeysRead(stage.query_tokens, stage.context_tokens, am::LayerWindow(shape, stage));
    const double streamed =
        KeysStreamedOverTiles(stage.query_tokens, stage.context_tokens,
                              am::LayerWindow(shape, stage), QueryTileRows(shape, stage, device));
    // Split-K partials of a decode step: written once and read once by the reduction.
    double split_bytes = 0;
    if (stage.query_tokens == 1) {
      const double splits = DecodeSplits(shape, stage, device, keys);
      const double heads =
          static_cast<double>(am::HeadsPerShard(shape.num_heads, stage.tensor_parallel));
      if (splits > 1) {
        split_bytes = 2 * splits * static_cast<double>(stage.batch) * heads *
                      (PartialOutputWidth(shape, stage) + 2) * kPartialBytesPerValue;
      }
    }
    for (uint64_t i = 0; i < phase_count; ++i) {
      ic_phase_cost& phase = phases[i];
      // The same factor serves MLA in both forms (absorbed attn_v reads no KV and stays 0).
      if (phase.phase == IC_PHASE_QK_SCORES || phase.phase == IC_PHASE_ATTN_V) {
        phase.kv_read_bytes = phase.kv_read_bytes / keys * streamed;
      }
      if (phase.phase == IC_PHASE_ATTN_V) phase.activation_bytes += split_bytes;
    }
  }

  // The split count is the only thing here not affine in the context: S = ceil(keys / 256)
  // (capped by the compute units, at least 1) goes from j to j + 1 where keys = 256 j + 1,
  // keys = min(context, window) in a decode step. Going from 1 split to 2 adds two splits'
  // partials (1 split has none); each later break adds one: two staircases.
  int64_t DecodeBreaks(const ic_attention_shape& shape, const ic_stage& stage,
                       const ic_kernel_device& device, int64_t first_context, int64_t last_context,
                       ic_context_stairs* stairs, uint64_t capacity) override {
    am::ValidateAttentionShape(shape, stage.tensor_parallel);
    ic_stage decode = stage;
    decode.kind = IC_STAGE_DECODE;
    decode.query_tokens = 1;
    decode.context_tokens = std::max<int64_t>(first_context, 1);
    am::ValidateStage(decode);
    // The largest split count (keys without end): the cap by compute units.
    const double most_splits = DecodeSplits(shape, decode, device, HUGE_VAL);
    const int64_t per_split = static_cast<int64_t>(kMinKeysPerSplit);
    // Break j (splits j -> j + 1) at context per_split * j + 1, for j = 1 .. last_j.
    int64_t last_j = static_cast<int64_t>(most_splits) - 1;
    const int64_t window = am::LayerWindow(shape, decode);
    if (window > 0) last_j = std::min(last_j, (window - 1) / per_split);
    // The first break (1 -> 2 splits: the partial results' merge begins, which may bend the
    // records) where it is in [first_context, last_context]; then the one-at-a-time breaks
    // (2 -> 3 ...) where any of them is, as one whole staircase (breaks outside the range may be
    // included: the host then knows them for a staircase of two or more, whose breaks keep the
    // records' slope, even where the range holds only one of them).
    const int64_t lowest_j = std::max<int64_t>(1, (first_context - 1 + per_split - 1) / per_split);
    const int64_t highest_j = std::min(last_j, (last_context - 1) / per_split);
    int64_t count = 0;
    const auto add = [&](int64_t first_j, int64_t last_of_j) {
      if (first_j > last_of_j) return;
      if (static_cast<uint64_t>(count) < capacity) {
        stairs[count] = {per_split * first_j + 1, per_split, last_of_j - first_j + 1};
      }
      ++count;
    };
    add(std::max<int64_t>(lowest_j, 1), std::min<int64_t>(highest_j, 1));  // 1 -> 2 splits
    if (std::max<int64_t>(lowest_j, 2) <= highest_j) add(2, last_j);       // then one at a time
    return count;
  }
};

}  // namespace

INFERCOST_PLUGIN(FlashAttention, "flash", "1.1.0", "infercost",
                 "FlashAttention: scores tiled in on-chip memory, K/V streamed per query tile")
