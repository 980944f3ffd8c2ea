// MLA (DeepSeek-V2/V3) formulas against hand-derived numbers, in both forms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugin_test_host.h"

namespace infercost::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// DeepSeek-V3 with everything in bf16 (2 B per element).
ic_stage Bf16(ic_stage stage) {
  stage.weight_bytes_per_element = 2;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 2;
  return stage;
}

ic_stage WithForm(ic_stage stage, ic_mla_form form) {
  stage.mla_form = form;
  return stage;
}

TEST(MlaKvCache, DeepSeekV3CachesOneLatentPerToken) {
  const Bytes kv = KvCacheBytesPerToken("mla", DeepSeekV3(), Bf16(DecodeStage(1000)));
  ASSERT_TRUE(kv.status.ok()) << kv.status.message;
  EXPECT_EQ(kv.bytes, 1'152);        // (512 + 64) * 2 B
  EXPECT_EQ(61 * kv.bytes, 70'272);  // x61 layers: "about 70 KB per token" (spec)
  ic_stage sharded = Bf16(DecodeStage(1000));
  sharded.tensor_parallel = 8;
  const Bytes per_shard = KvCacheBytesPerToken("mla", DeepSeekV3(), sharded);
  ASSERT_TRUE(per_shard.status.ok());
  EXPECT_EQ(per_shard.bytes, 1'152);  // the latent is replicated, not split: (512+64)*2
}

TEST(MlaParams, DeepSeekV3ProjectionsPerLayer) {
  const Emitted out = EmitPhases("mla", DeepSeekV3(), Bf16(DecodeStage(1000)));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_THAT(out.Ids(), ElementsAre(IC_PHASE_Q_A_PROJ, IC_PHASE_Q_B_PROJ, IC_PHASE_KV_A_PROJ,
                                     IC_PHASE_KV_B_PROJ, IC_PHASE_QK_SCORES, IC_PHASE_SOFTMAX,
                                     IC_PHASE_ATTN_V, IC_PHASE_O_PROJ));
  EXPECT_EQ(out[IC_PHASE_Q_A_PROJ].params, 11'011'584);   // 7168*1536 + 1536 (q_a_layernorm)
  EXPECT_EQ(out[IC_PHASE_Q_B_PROJ].params, 37'748'736);   // 1536*128*(128+64)
  EXPECT_EQ(out[IC_PHASE_KV_A_PROJ].params, 4'129'280);   // 7168*(512+64) + 512 (kv_a_layernorm)
  EXPECT_EQ(out[IC_PHASE_KV_B_PROJ].params, 16'777'216);  // 512*128*(128+128)
  EXPECT_EQ(out[IC_PHASE_O_PROJ].params, 117'440'512);    // 128*128*7168
  double total = 0;
  for (const ic_phase_cost& phase : out.phases) total += phase.params;
  EXPECT_EQ(total, 187'107'328);                                // sum of the five above
  EXPECT_EQ(out[IC_PHASE_KV_B_PROJ].weight_bytes, 33'554'432);  // 16,777,216 * 2 B
  EXPECT_EQ(out[IC_PHASE_KV_A_PROJ].kv_write_bytes, 1'152);     // 1 token * (512+64) * 2 B
  EXPECT_EQ(out[IC_PHASE_KV_A_PROJ].gemm_n, 576);               // 512 + 64
}

TEST(MlaForms, AbsorbedDecodeRunsAttentionOnTheLatent) {
  const Emitted out = EmitPhases("mla", DeepSeekV3(), Bf16(DecodeStage(1000)));  // DEFAULT
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  const ic_phase_cost& qk = out[IC_PHASE_QK_SCORES];
  EXPECT_EQ(qk.matrix_flops, 147'456'000);  // 2*1*128*(512+64)*1000
  EXPECT_EQ(qk.kv_read_bytes, 1'152'000);   // 1000*(512+64)*2 B
  EXPECT_EQ(qk.activation_bytes, 147'456);  // 1*128*576*2 (read the absorbed query)
  EXPECT_EQ(qk.gemm_m, 128);                // heads stacked as rows: 1*128
  EXPECT_EQ(qk.gemm_k, 576);
  EXPECT_EQ(qk.gemm_count, 1);
  EXPECT_EQ(out[IC_PHASE_SOFTMAX].vector_flops, 640'000);     // 5*128*1000
  EXPECT_EQ(out[IC_PHASE_ATTN_V].matrix_flops, 131'072'000);  // 2*128*512*1000
  EXPECT_EQ(out[IC_PHASE_ATTN_V].kv_read_bytes, 0);           // the latent read for the scores
  const ic_phase_cost& kv_b = out[IC_PHASE_KV_B_PROJ];
  EXPECT_EQ(kv_b.matrix_flops, 33'554'432);   // 2*1*128*128*512 + 2*1*128*512*128
  EXPECT_EQ(kv_b.activation_bytes, 262'144);  // 1*128*512*2 B * 2
  EXPECT_EQ(kv_b.gemm_m, 1);
  EXPECT_EQ(kv_b.gemm_n, 512);
  EXPECT_EQ(kv_b.gemm_k, 128);
  EXPECT_EQ(kv_b.gemm_count, 128);
  // Forcing ABSORBED gives the same records as DEFAULT at decode.
  const Emitted forced =
      EmitPhases("mla", DeepSeekV3(), WithForm(Bf16(DecodeStage(1000)), IC_MLA_FORM_ABSORBED));
  ASSERT_TRUE(forced.status.ok());
  EXPECT_EQ(forced[IC_PHASE_QK_SCORES].matrix_flops, 147'456'000);
  EXPECT_EQ(forced[IC_PHASE_KV_B_PROJ].matrix_flops, 33'554'432);
}

TEST(MlaForms, DecompressMaterialisesPerHeadKeysAndValues) {
  const Emitted out =
      EmitPhases("mla", DeepSeekV3(), WithForm(Bf16(DecodeStage(1000)), IC_MLA_FORM_DECOMPRESS));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  const ic_phase_cost& kv_b = out[IC_PHASE_KV_B_PROJ];
  EXPECT_EQ(kv_b.matrix_flops, 33'554'432'000);  // 2*1*1000*512*128*(128+128)
  EXPECT_EQ(kv_b.activation_bytes, 65'536'000);  // 1*1000*128*256*2 B (written)
  EXPECT_EQ(kv_b.gemm_m, 1'000);
  EXPECT_EQ(kv_b.gemm_n, 32'768);  // 128*(128+128)
  EXPECT_EQ(kv_b.gemm_k, 512);
  const ic_phase_cost& qk = out[IC_PHASE_QK_SCORES];
  EXPECT_EQ(qk.matrix_flops, 49'152'000);      // 2*1*128*(128+64)*1000
  EXPECT_EQ(qk.kv_read_bytes, 1'152'000);      // 1000*(512+64)*2 B
  EXPECT_EQ(qk.activation_bytes, 32'817'152);  // 128*192*2 (q) + 1000*128*128*2 (K_nope)
  const ic_phase_cost& attn_v = out[IC_PHASE_ATTN_V];
  EXPECT_EQ(attn_v.matrix_flops, 32'768'000);  // 2*1*128*128*1000
  EXPECT_EQ(attn_v.kv_read_bytes, 0);
  EXPECT_EQ(attn_v.activation_bytes, 32'800'768);          // 1000*128*128*2 (V) + 128*128*2 (out)
  EXPECT_EQ(out[IC_PHASE_SOFTMAX].vector_flops, 640'000);  // 5*128*1000, same in both forms
  // At decode, absorbed does far fewer FLOPs in kv_b + scores + attn_v:
  // absorbed 33,554,432 + 147,456,000 + 131,072,000 = 312,082,432
  // decompress 33,554,432,000 + 49,152,000 + 32,768,000 = 33,636,352,000
  EXPECT_EQ(kv_b.matrix_flops + qk.matrix_flops + attn_v.matrix_flops, 33'636'352'000);
}

TEST(MlaForms, DefaultPrefillDecompresses) {
  const Emitted out = EmitPhases("mla", DeepSeekV3(), Bf16(PrefillStage(1000)));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  // pairs = 1000*1001/2 = 500,500
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 24'600'576'000);  // 2*128*192*500,500
  EXPECT_EQ(out[IC_PHASE_KV_B_PROJ].gemm_m, 1'000);                 // B*keys
  EXPECT_EQ(out[IC_PHASE_KV_B_PROJ].matrix_flops, 33'554'432'000);  // 2*1000*512*128*256
  EXPECT_EQ(out[IC_PHASE_KV_A_PROJ].kv_write_bytes, 1'152'000);     // 1000*(512+64)*2 B
  EXPECT_EQ(out[IC_PHASE_Q_A_PROJ].matrix_flops, 22'020'096'000);   // 2*1000*7168*1536
}

TEST(MlaTensorParallel, LowRankDownProjectionsAreReplicated) {
  ic_stage stage = Bf16(DecodeStage(1000));
  stage.tensor_parallel = 8;  // 128/8 = 16 heads per shard
  const Emitted out = EmitPhases("mla", DeepSeekV3(), stage);
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_EQ(out[IC_PHASE_Q_A_PROJ].params, 11'011'584);         // 7168*1536 + 1536 (replicated)
  EXPECT_EQ(out[IC_PHASE_KV_A_PROJ].params, 4'129'280);         // 7168*576 + 512 (replicated)
  EXPECT_EQ(out[IC_PHASE_Q_B_PROJ].params, 4'718'592);          // 1536*16*192
  EXPECT_EQ(out[IC_PHASE_KV_B_PROJ].params, 2'097'152);         // 512*16*256
  EXPECT_EQ(out[IC_PHASE_O_PROJ].params, 14'680'064);           // 16*128*7168
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 18'432'000);  // 2*16*576*1000
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].kv_read_bytes, 1'152'000);  // 1000*576*2: whole latent
}

TEST(MlaShape, WithoutQueryCompressionThereIsOneQueryProjection) {
  ic_attention_shape lite = DeepSeekV3();  // DeepSeek-V2-Lite: d 2048, 16 heads, no q_lora
  lite.hidden_size = 2048;
  lite.num_heads = 16;
  lite.num_kv_heads = 16;
  lite.q_lora_rank = 0;
  const Emitted out = EmitPhases("mla", lite, Bf16(DecodeStage(100)));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_THAT(out.Ids(),
              ElementsAre(IC_PHASE_Q_PROJ, IC_PHASE_KV_A_PROJ, IC_PHASE_KV_B_PROJ,
                          IC_PHASE_QK_SCORES, IC_PHASE_SOFTMAX, IC_PHASE_ATTN_V, IC_PHASE_O_PROJ));
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].params, 6'291'456);  // 2048*16*(128+64)
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].gemm_n, 3'072);      // 16*192
}

TEST(MlaValidation, MissingLatentSizesAndBadFormsAreRejected) {
  ic_attention_shape no_rank = DeepSeekV3();
  no_rank.kv_lora_rank = 0;
  const Status rank = Validate("mla", no_rank, 1);
  EXPECT_EQ(rank.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(rank.message, HasSubstr("kv_lora_rank = 0"));

  ic_attention_shape no_rope = DeepSeekV3();
  no_rope.qk_rope_head_dim = 0;
  EXPECT_THAT(Validate("mla", no_rope, 1).message, HasSubstr("qk_rope_head_dim = 0"));

  ic_attention_shape wrong_head_dim = DeepSeekV3();
  wrong_head_dim.head_dim = 128;
  const Status head_dim = Validate("mla", wrong_head_dim, 1);
  EXPECT_EQ(head_dim.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(head_dim.message, HasSubstr("head_dim = 128"));

  const Emitted bad_form = EmitPhases("mla", DeepSeekV3(), WithForm(Bf16(DecodeStage(10)), 7));
  EXPECT_EQ(bad_form.status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(bad_form.status.message, HasSubstr("mla_form = \"7\" is not known"));
  EXPECT_TRUE(bad_form.phases.empty());

  const Status tp = Validate("mla", DeepSeekV3(), 3);
  EXPECT_EQ(tp.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(tp.message, HasSubstr("1, 2, 4, 8, 16, 32, 64"));  // divisors of 128 up to 64
}

// ABI 1.1 moved MLA's ranks and form into variant options; a host built against ABI 1.0 still
// passes them in the 1.0 shape fields and stage.mla_form. Both paths must give the same numbers.
TEST(MlaAbi, OneZeroCallerAndOptionsGiveIdenticalPhases) {
  for (ic_mla_form form : {IC_MLA_FORM_DEFAULT, IC_MLA_FORM_DECOMPRESS, IC_MLA_FORM_ABSORBED}) {
    for (const ic_stage& base : {DecodeStage(3000), PrefillStage(512)}) {
      const ic_stage stage = WithForm(base, form);
      ic_attention_shape old_shape = DeepSeekV3();
      old_shape.struct_size = IC_ATTENTION_SHAPE_V1_0_SIZE;  // a 1.0 host: legacy fields
      ic_stage old_stage = stage;
      old_stage.struct_size = IC_STAGE_V1_0_SIZE;
      const Emitted legacy = EmitPhases("mla", old_shape, old_stage);
      const Emitted options = EmitPhases("mla", DeepSeekV3(), stage);  // options path
      ASSERT_TRUE(legacy.status.ok()) << legacy.status.message;
      ASSERT_TRUE(options.status.ok()) << options.status.message;
      ASSERT_EQ(legacy.phases.size(), options.phases.size());
      for (size_t i = 0; i < legacy.phases.size(); ++i) {
        EXPECT_EQ(legacy.phases[i].phase, options.phases[i].phase);
        EXPECT_EQ(legacy.phases[i].matrix_flops, options.phases[i].matrix_flops);
        EXPECT_EQ(legacy.phases[i].params, options.phases[i].params);
        EXPECT_EQ(legacy.phases[i].kv_read_bytes, options.phases[i].kv_read_bytes);
        EXPECT_EQ(legacy.phases[i].activation_bytes, options.phases[i].activation_bytes);
      }
      const Bytes old_kv = KvCacheBytesPerToken("mla", old_shape, old_stage);
      const Bytes new_kv = KvCacheBytesPerToken("mla", DeepSeekV3(), stage);
      // (512 + 64) x 1 B, both ways.
      EXPECT_EQ(old_kv.bytes, 576);
      EXPECT_EQ(new_kv.bytes, 576);
    }
  }
}

// A 1.1 shape whose options lack the ranks is refused with the option to set, and a 1.1 host's
// legacy fields are not read.
TEST(MlaAbi, OptionsAreRequiredFromAOneOneHost) {
  ic_attention_shape shape = DeepSeekV3();  // legacy fields set, but no options attached:
  shape.options = nullptr;                  // call the plugin directly, bypassing the helper
  shape.option_count = 0;
  shape.option_size = sizeof(ic_option);
  const LoadedPlugin* plugin = Plugin("mla");
  ASSERT_NE(plugin, nullptr);
  const auto* table = static_cast<const ic_attention_variant_table*>(plugin->table->kind_table);
  const Status status = TakeError(table->validate(plugin->instance, &shape, 1));
  EXPECT_EQ(status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(status.message, HasSubstr("needs the option kv_lora_rank"));
}

}  // namespace
}  // namespace infercost::testing
