// naive vs flash attention kernels against hand-derived numbers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "plugin_test_host.h"

namespace infercost::testing {
namespace {

using ::testing::HasSubstr;

// H100-like: 228 KiB of shared memory on each of 132 SMs.
ic_kernel_device H100Sram() {
  ic_kernel_device device{};
  device.struct_size = sizeof(device);
  device.onchip_memory_bytes = 233'472.0 * 132;  // 228*1024 B per SM
  device.l2_cache_bytes = 50e6;
  device.compute_units = 132;
  return device;
}

// Llama-3-70B GQA, everything bf16 (2 B per element).
ic_stage Bf16(ic_stage stage) {
  stage.weight_bytes_per_element = 2;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 2;
  return stage;
}

std::vector<ic_phase_cost> Phases(const char* variant, const ic_attention_shape& shape,
                                  const ic_stage& stage) {
  Emitted out = EmitPhases(variant, shape, stage);
  EXPECT_TRUE(out.status.ok()) << out.status.message;
  return out.phases;
}

const ic_phase_cost& Find(const std::vector<ic_phase_cost>& phases, ic_phase_id id) {
  for (const ic_phase_cost& phase : phases) {
    if (phase.phase == id) return phase;
  }
  ADD_FAILURE() << "no phase " << id;
  static const ic_phase_cost missing{};
  return missing;
}

void ExpectSameFlops(const std::vector<ic_phase_cost>& before,
                     const std::vector<ic_phase_cost>& after) {
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].matrix_flops, after[i].matrix_flops) << "phase " << before[i].phase;
    EXPECT_EQ(before[i].vector_flops, after[i].vector_flops) << "phase " << before[i].phase;
    EXPECT_EQ(before[i].params, after[i].params) << "phase " << before[i].phase;
    EXPECT_EQ(before[i].weight_bytes, after[i].weight_bytes) << "phase " << before[i].phase;
  }
}

void ExpectUnchanged(const ic_phase_cost& before, const ic_phase_cost& after) {
  EXPECT_EQ(before.kv_read_bytes, after.kv_read_bytes) << "phase " << before.phase;
  EXPECT_EQ(before.kv_write_bytes, after.kv_write_bytes) << "phase " << before.phase;
  EXPECT_EQ(before.activation_bytes, after.activation_bytes) << "phase " << before.phase;
  EXPECT_EQ(before.comm_bytes, after.comm_bytes) << "phase " << before.phase;
}

void ExpectOnlyScoreTrafficChanged(const std::vector<ic_phase_cost>& before,
                                   const std::vector<ic_phase_cost>& after) {
  for (size_t i = 0; i < before.size(); ++i) {
    const ic_phase_id id = before[i].phase;
    if (id != IC_PHASE_QK_SCORES && id != IC_PHASE_SOFTMAX && id != IC_PHASE_ATTN_V) {
      ExpectUnchanged(before[i], after[i]);
    }
  }
}

TEST(NaiveKernel, PrefillMaterialisesTheScoreMatrix) {
  const ic_stage stage = Bf16(PrefillStage(4096));
  const std::vector<ic_phase_cost> before = Phases("gqa", Llama3_70B(), stage);
  std::vector<ic_phase_cost> naive = before;
  ASSERT_TRUE(RewriteTraffic("naive", Llama3_70B(), stage, H100Sram(), naive).ok());
  // S = 1*64*4096*4096 = 1,073,741,824 elements; S * 2 B = 2,147,483,648 B
  // qk: 4096*64*128*2 (read q) = 67,108,864 + 2,147,483,648 (write scores)
  EXPECT_EQ(Find(naive, IC_PHASE_QK_SCORES).activation_bytes, 2'214'592'512);
  EXPECT_EQ(Find(naive, IC_PHASE_SOFTMAX).activation_bytes, 4'294'967'296);  // 2 * 2,147,483,648
  // attn_v: 67,108,864 (write output) + 2,147,483,648 (read probabilities)
  EXPECT_EQ(Find(naive, IC_PHASE_ATTN_V).activation_bytes, 2'214'592'512);
  EXPECT_EQ(Find(naive, IC_PHASE_QK_SCORES).kv_read_bytes, 8'388'608);  // 4096*8*128*2, once
  ExpectSameFlops(before, naive);
  ExpectOnlyScoreTrafficChanged(before, naive);
}

TEST(NaiveKernel, DecodeWritesOneScoreRowPerHead) {
  const ic_stage stage = Bf16(DecodeStage(4096));
  std::vector<ic_phase_cost> naive = Phases("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(RewriteTraffic("naive", Llama3_70B(), stage, H100Sram(), naive).ok());
  // S = 1*64*1*4096 = 262,144; qk: 64*128*2 (read q) = 16,384 + 262,144*2 = 540,672
  EXPECT_EQ(Find(naive, IC_PHASE_QK_SCORES).activation_bytes, 540'672);
  EXPECT_EQ(Find(naive, IC_PHASE_SOFTMAX).activation_bytes, 1'048'576);  // 2 * 262,144*2
}

TEST(FlashKernel, PrefillReReadsKvOncePerQueryTile) {
  const ic_stage stage = Bf16(PrefillStage(4096));
  const std::vector<ic_phase_cost> before = Phases("gqa", Llama3_70B(), stage);
  std::vector<ic_phase_cost> flash = before;
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), stage, H100Sram(), flash).ok());
  // M = 233,472 B per SM; Bc = floor(233,472 / (4*128*2)) = 228; Br = min(228, 128) = 128
  // 4096/128 = 32 tiles; tile t reads 128*t keys: 128*(1+...+32) = 128*528 = 67,584 keys
  // instead of 4096: kv bytes = 4096*8*128*2 * 67,584/4096 = 2048 * 67,584 = 138,412,032
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).kv_read_bytes, 138'412'032);
  EXPECT_EQ(Find(flash, IC_PHASE_ATTN_V).kv_read_bytes, 138'412'032);
  // No score traffic: activations stay those of q and the output (4096*64*128*2).
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).activation_bytes, 67'108'864);
  EXPECT_EQ(Find(flash, IC_PHASE_SOFTMAX).activation_bytes, 0);
  EXPECT_EQ(Find(flash, IC_PHASE_ATTN_V).activation_bytes, 67'108'864);
  ExpectSameFlops(before, flash);
  ExpectOnlyScoreTrafficChanged(before, flash);
}

TEST(FlashKernel, SameFlopsAsNaiveAndFarFewerPrefillBytes) {
  const ic_stage stage = Bf16(PrefillStage(4096));
  std::vector<ic_phase_cost> naive = Phases("gqa", Llama3_70B(), stage);
  std::vector<ic_phase_cost> flash = naive;
  ASSERT_TRUE(RewriteTraffic("naive", Llama3_70B(), stage, H100Sram(), naive).ok());
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), stage, H100Sram(), flash).ok());
  ExpectSameFlops(naive, flash);
  // pairs = 4096*4097/2 = 8,390,656; 2*64*128*8,390,656 = 137,472,507,904
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).matrix_flops, 137'472'507'904);
  double naive_bytes = 0, flash_bytes = 0;
  for (ic_phase_id id : {IC_PHASE_QK_SCORES, IC_PHASE_SOFTMAX, IC_PHASE_ATTN_V}) {
    const ic_phase_cost& n = Find(naive, id);
    const ic_phase_cost& f = Find(flash, id);
    naive_bytes += n.kv_read_bytes + n.activation_bytes;
    flash_bytes += f.kv_read_bytes + f.activation_bytes;
  }
  // naive: 2,214,592,512 + 4,294,967,296 + 2,214,592,512 + 2*8,388,608 = 8,740,929,536
  EXPECT_EQ(naive_bytes, 8'740'929'536);
  // flash: 67,108,864*2 + 138,412,032*2 = 134,217,728 + 276,824,064 = 411,041,792
  EXPECT_EQ(flash_bytes, 411'041'792);
  EXPECT_GT(naive_bytes, 20 * flash_bytes);
}

TEST(FlashKernel, DecodeReadsKvOnceAndSplitsTheKeys) {
  const ic_stage stage = Bf16(DecodeStage(4096));
  const std::vector<ic_phase_cost> before = Phases("gqa", Llama3_70B(), stage);
  std::vector<ic_phase_cost> flash = before;
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), stage, H100Sram(), flash).ok());
  ExpectSameFlops(before, flash);
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).kv_read_bytes, 8'388'608);  // 4096*8*128*2, once
  EXPECT_EQ(Find(flash, IC_PHASE_ATTN_V).kv_read_bytes, 8'388'608);
  // Flash-Decoding: 1 sequence x 64 heads leave 132 SMs idle, so S = ceil(132/64) = 3 splits
  // (4096 keys allow up to 4096/256 = 16). Partials: 3 splits x 64 heads x (128 + 2) fp32 values,
  // written and read: 2*3*64*130*4 = 199,680 B on top of attn_v's 1*64*128*2 = 16,384.
  EXPECT_EQ(Find(flash, IC_PHASE_ATTN_V).activation_bytes, 216'064);
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).activation_bytes,
            Find(before, IC_PHASE_QK_SCORES).activation_bytes);
}

TEST(FlashKernel, DecodeWithEnoughWorkDoesNotSplit) {
  ic_stage stage = Bf16(DecodeStage(4096));
  stage.batch = 4;  // 4 x 64 = 256 (sequence, head) pairs >= 132 SMs: S = 1, no partials
  const std::vector<ic_phase_cost> before = Phases("gqa", Llama3_70B(), stage);
  std::vector<ic_phase_cost> flash = before;
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), stage, H100Sram(), flash).ok());
  for (size_t i = 0; i < before.size(); ++i) ExpectUnchanged(before[i], flash[i]);
}

TEST(FlashKernel, PartialLastTileAndChunkedPrefill) {
  const ic_stage prefill = Bf16(PrefillStage(1000));
  std::vector<ic_phase_cost> flash = Phases("gqa", Llama3_70B(), prefill);
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), prefill, H100Sram(), flash).ok());
  // Br = 128; ceil(1000/128) = 8 tiles: 128*(1+...+7) + 1000 = 3,584 + 1,000 = 4,584 keys
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).kv_read_bytes, 9'388'032);  // 8*128*2 B * 4,584

  ic_stage chunk = Bf16(PrefillStage(1280));
  chunk.query_tokens = 256;  // past = 1024; tiles end at 1152 and 1280
  std::vector<ic_phase_cost> chunked = Phases("gqa", Llama3_70B(), chunk);
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), chunk, H100Sram(), chunked).ok());
  EXPECT_EQ(Find(chunked, IC_PHASE_ATTN_V).kv_read_bytes, 4'980'736);  // 2048 * (1152 + 1280)
}

TEST(FlashKernel, SlidingWindowCapsTheKeysOfEachTile) {
  ic_attention_shape shape = Llama3_70B();
  shape.sliding_window = 1024;
  const ic_stage stage = Bf16(PrefillStage(4096));
  std::vector<ic_phase_cost> flash = Phases("gqa", shape, stage);
  ASSERT_TRUE(RewriteTraffic("flash", shape, stage, H100Sram(), flash).ok());
  // Br = 128, 32 tiles; tile t reads min(128*t, 1024+128-1 = 1151) keys:
  // t = 1..8: 128*(1+...+8) = 4,608; t = 9..32: 24*1,151 = 27,624; total 32,232
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).kv_read_bytes, 66'011'136);  // 2048 * 32,232
}

TEST(FlashKernel, SmallSramGivesSmallTiles) {
  ic_kernel_device tiny{};
  tiny.struct_size = sizeof(tiny);
  tiny.onchip_memory_bytes = 16'384;  // compute_units unknown: all of it is one tile budget
  const ic_stage stage = Bf16(PrefillStage(64));
  std::vector<ic_phase_cost> flash = Phases("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(RewriteTraffic("flash", Llama3_70B(), stage, tiny, flash).ok());
  // Bc = floor(16,384 / (4*128*2)) = 16 = Br; 4 tiles: 16 + 32 + 48 + 64 = 160 keys
  EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).kv_read_bytes, 327'680);  // 8*128*2 B * 160
}

TEST(FlashKernel, MlaUsesTheSameTileFactorInBothForms) {
  ic_stage stage = Bf16(PrefillStage(1024));
  // head_dim 192: Bc = floor(233,472 / (4*192*2)) = 152 = Br; ceil(1024/152) = 7 tiles:
  // 152*(1+...+6) + 1024 = 3,192 + 1,024 = 4,216 keys; latent 576*2 = 1,152 B per key
  for (ic_mla_form form : {IC_MLA_FORM_DECOMPRESS, IC_MLA_FORM_ABSORBED}) {
    stage.mla_form = form;
    std::vector<ic_phase_cost> flash = Phases("mla", DeepSeekV3(), stage);
    ASSERT_TRUE(RewriteTraffic("flash", DeepSeekV3(), stage, H100Sram(), flash).ok());
    EXPECT_EQ(Find(flash, IC_PHASE_QK_SCORES).kv_read_bytes, 4'856'832) << form;  // 1152*4216
    EXPECT_EQ(Find(flash, IC_PHASE_ATTN_V).kv_read_bytes, 0) << form;
  }
}

TEST(NaiveKernel, MlaScoresAreHeadsTimesQueriesTimesKeys) {
  const ic_stage stage = Bf16(DecodeStage(1000));  // absorbed
  std::vector<ic_phase_cost> naive = Phases("mla", DeepSeekV3(), stage);
  ASSERT_TRUE(RewriteTraffic("naive", DeepSeekV3(), stage, H100Sram(), naive).ok());
  // S = 128*1*1000 = 128,000; qk: 128*576*2 (read q) = 147,456 + 128,000*2 = 403,456
  EXPECT_EQ(Find(naive, IC_PHASE_QK_SCORES).activation_bytes, 403'456);
}

TEST(FlashKernel, RejectsADeviceWithoutOnChipMemory) {
  ic_kernel_device none = H100Sram();
  none.onchip_memory_bytes = 0;
  const ic_stage stage = Bf16(PrefillStage(128));
  std::vector<ic_phase_cost> phases = Phases("gqa", Llama3_70B(), stage);
  const Status status = RewriteTraffic("flash", Llama3_70B(), stage, none, phases);
  EXPECT_EQ(status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(status.message, HasSubstr("onchip_memory_bytes = 0"));
  // The naive kernel does not need on-chip memory.
  EXPECT_TRUE(RewriteTraffic("naive", Llama3_70B(), stage, none, phases).ok());
}

TEST(Kernels, RejectInvalidStagesAndNullPhases) {
  ic_stage bad = Bf16(PrefillStage(128));
  bad.batch = 0;
  std::vector<ic_phase_cost> phases = Phases("gqa", Llama3_70B(), Bf16(PrefillStage(128)));
  for (const char* kernel : {"naive", "flash"}) {
    const Status status = RewriteTraffic(kernel, Llama3_70B(), bad, H100Sram(), phases);
    EXPECT_EQ(status.code, IC_STATUS_INVALID_ARGUMENT) << kernel;
    EXPECT_THAT(status.message, HasSubstr("batch = 0")) << kernel;
    const LoadedPlugin* plugin = Plugin(kernel);
    ASSERT_NE(plugin, nullptr);
    const auto* table = static_cast<const ic_attention_kernel_table*>(plugin->table->kind_table);
    const ic_attention_shape shape = Llama3_70B();
    const ic_stage stage = Bf16(PrefillStage(128));
    const ic_kernel_device device = H100Sram();
    EXPECT_EQ(
        TakeError(table->rewrite_traffic(plugin->instance, &shape, &stage, &device, nullptr, 3))
            .code,
        IC_STATUS_INVALID_ARGUMENT)
        << kernel;
  }
}

}  // namespace
}  // namespace infercost::testing
