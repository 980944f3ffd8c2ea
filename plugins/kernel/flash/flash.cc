// The FlashAttention kernel (Dao et al. 2022, arXiv:2205.14135): scores, softmax and attn_v are
// fused and the scores stay in on-chip memory, so there is no score traffic. In exchange, K and
// V are streamed from HBM once per query tile. A decode step (one query) is a single tile and
// reads K/V once, as the variant reported.
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

class FlashAttention final : public infercost::sdk::AttentionKernel {
 public:
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
        am::KeysRead(stage.query_tokens, stage.context_tokens, shape.sliding_window);
    const double streamed =
        KeysStreamedOverTiles(stage.query_tokens, stage.context_tokens, shape.sliding_window,
                              QueryTileRows(shape, stage, device));
    for (uint64_t i = 0; i < phase_count; ++i) {
      ic_phase_cost& phase = phases[i];
      // The same factor serves MLA in both forms (absorbed attn_v reads no KV and stays 0).
      if (phase.phase == IC_PHASE_QK_SCORES || phase.phase == IC_PHASE_ATTN_V) {
        phase.kv_read_bytes = phase.kv_read_bytes / keys * streamed;
      }
    }
  }
};

}  // namespace

INFERCOST_PLUGIN(FlashAttention, "flash", "1.0.0", "infercost",
                 "FlashAttention: scores tiled in on-chip memory, K/V streamed per query tile")
