// MHA / GQA / MQA formulas against hand-derived numbers. Every expected value is written out
// with its arithmetic; none is computed by the code under test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "plugin_test_host.h"

namespace infercost::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(PluginHandshake, EveryInTreePluginLoadsWithItsKindAndAbiMajor) {
  const std::vector<std::pair<std::string, ic_plugin_kind>> plugins = {
      {"mha", IC_PLUGIN_KIND_ATTENTION_VARIANT},  {"gqa", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"mqa", IC_PLUGIN_KIND_ATTENTION_VARIANT},  {"mla", IC_PLUGIN_KIND_ATTENTION_VARIANT},
      {"naive", IC_PLUGIN_KIND_ATTENTION_KERNEL}, {"flash", IC_PLUGIN_KIND_ATTENTION_KERNEL},
      {"roofline", IC_PLUGIN_KIND_HARDWARE}};
  for (const auto& [name, kind] : plugins) {
    const LoadedPlugin* plugin = Plugin(name);
    ASSERT_NE(plugin, nullptr) << name;
    EXPECT_EQ(plugin->table->abi_major, INFERCOST_ABI_MAJOR) << name;
    EXPECT_GE(plugin->table->struct_size, IC_PLUGIN_V1_0_SIZE) << name;
    EXPECT_EQ(plugin->table->kind, kind) << name;
    EXPECT_EQ(std::string(plugin->table->name.data, plugin->table->name.size), name);
    EXPECT_NE(plugin->instance, nullptr) << name;
  }
}

// ---- the explainer's golden numbers (calculator-spec §3) ----

TEST(GqaGolden, Llama3_70BDecodeAt750MatchesTheExplainer) {
  const Emitted out = EmitPhases("gqa", Llama3_70B(), DecodeStage(750));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_THAT(out.Ids(),
              ElementsAre(IC_PHASE_Q_PROJ, IC_PHASE_K_PROJ, IC_PHASE_V_PROJ, IC_PHASE_QK_SCORES,
                          IC_PHASE_SOFTMAX, IC_PHASE_ATTN_V, IC_PHASE_O_PROJ));
  const ic_phase_cost& q = out[IC_PHASE_Q_PROJ];
  EXPECT_EQ(q.params, 67'108'864);                // 8192*64*128
  EXPECT_EQ(q.weight_bytes, 67'108'864);          // 8192*64*128 * 1 B (fp8)
  EXPECT_EQ(80 * q.weight_bytes, 5'368'709'120);  // x80 layers (golden)
  EXPECT_EQ(q.matrix_flops, 134'217'728);         // 2*1*8192*8192
  EXPECT_EQ(q.activation_bytes, 32'768);          // 1*8192*2 (read x) + 1*64*128*2 (write q)
  EXPECT_EQ(q.gemm_m, 1);
  EXPECT_EQ(q.gemm_n, 8192);  // 64*128
  EXPECT_EQ(q.gemm_k, 8192);
  EXPECT_EQ(q.gemm_count, 1);

  const ic_phase_cost& k = out[IC_PHASE_K_PROJ];
  EXPECT_EQ(k.weight_bytes, 8'388'608);         // 8192*8*128 * 1 B
  EXPECT_EQ(80 * k.weight_bytes, 671'088'640);  // x80 layers (golden)
  EXPECT_EQ(k.kv_write_bytes, 1'024);           // 1 token * 8*128 * 1 B
  EXPECT_EQ(k.activation_bytes, 16'384);        // 1*8192*2 (read x)
  const ic_phase_cost& v = out[IC_PHASE_V_PROJ];
  EXPECT_EQ(v.weight_bytes, 8'388'608);         // 8192*8*128 * 1 B
  EXPECT_EQ(80 * v.weight_bytes, 671'088'640);  // golden
  EXPECT_EQ(v.kv_write_bytes, 1'024);           // 8*128 * 1 B

  const ic_phase_cost& qk = out[IC_PHASE_QK_SCORES];
  EXPECT_EQ(qk.matrix_flops, 12'288'000);        // 2*64*128*750
  EXPECT_EQ(80 * qk.matrix_flops, 983'040'000);  // x80 layers (golden)
  EXPECT_EQ(qk.kv_read_bytes, 768'000);          // 750*8*128 * 1 B
  EXPECT_EQ(80 * qk.kv_read_bytes, 61'440'000);  // x80 layers (golden)
  EXPECT_EQ(qk.activation_bytes, 16'384);        // 1*64*128*2 (read q)
  EXPECT_EQ(qk.params, 0);
  EXPECT_EQ(qk.weight_bytes, 0);
  EXPECT_EQ(qk.gemm_m, 1);
  EXPECT_EQ(qk.gemm_n, 750);
  EXPECT_EQ(qk.gemm_k, 128);
  EXPECT_EQ(qk.gemm_count, 64);  // B*H = 1*64

  const ic_phase_cost& softmax = out[IC_PHASE_SOFTMAX];
  EXPECT_EQ(softmax.vector_flops, 240'000);  // 5*1*64*750
  EXPECT_EQ(softmax.matrix_flops, 0);
  EXPECT_EQ(softmax.activation_bytes, 0);
  EXPECT_EQ(softmax.kv_read_bytes, 0);

  const ic_phase_cost& attn_v = out[IC_PHASE_ATTN_V];
  EXPECT_EQ(attn_v.matrix_flops, 12'288'000);  // 2*64*128*750
  EXPECT_EQ(attn_v.kv_read_bytes, 768'000);    // 750*8*128 * 1 B
  EXPECT_EQ(attn_v.activation_bytes, 16'384);  // 1*64*128*2 (write output)
  EXPECT_EQ(attn_v.gemm_m, 1);
  EXPECT_EQ(attn_v.gemm_n, 128);
  EXPECT_EQ(attn_v.gemm_k, 750);

  const ic_phase_cost& o = out[IC_PHASE_O_PROJ];
  EXPECT_EQ(o.weight_bytes, 67'108'864);  // 64*128*8192 * 1 B
  EXPECT_EQ(o.activation_bytes, 32'768);  // 1*64*128*2 + 1*8192*2
}

TEST(GqaGolden, Llama3_70BKvCacheBytesPerToken) {
  const Bytes fp8 = KvCacheBytesPerToken("gqa", Llama3_70B(), DecodeStage(750));
  ASSERT_TRUE(fp8.status.ok()) << fp8.status.message;
  EXPECT_EQ(fp8.bytes, 2'048);  // (8*128 + 8*128) * 1 B
  ic_stage fp16 = DecodeStage(750);
  fp16.kv_bytes_per_element = 2;
  const Bytes half = KvCacheBytesPerToken("gqa", Llama3_70B(), fp16);
  ASSERT_TRUE(half.status.ok()) << half.status.message;
  EXPECT_EQ(half.bytes, 4'096);         // (8*128 + 8*128) * 2 B
  EXPECT_EQ(80 * half.bytes, 327'680);  // 2*80*8*128*2 (spec, FP16)
}

// ---- MHA vs GQA vs MQA on the Llama-3-70B shape: 64, 8 and 1 K/V heads ----

TEST(KvHeads, KvBytesScaleWithTheVariantsKvHeads) {
  const ic_stage stage = DecodeStage(750);
  const Bytes mha = KvCacheBytesPerToken("mha", Llama3_70B(), stage);
  const Bytes gqa = KvCacheBytesPerToken("gqa", Llama3_70B(), stage);
  const Bytes mqa = KvCacheBytesPerToken("mqa", Llama3_70B(), stage);
  ASSERT_TRUE(mha.status.ok() && gqa.status.ok() && mqa.status.ok());
  EXPECT_EQ(mha.bytes, 16'384);  // (64*128 + 64*128) * 1 B
  EXPECT_EQ(gqa.bytes, 2'048);   // (8*128 + 8*128) * 1 B
  EXPECT_EQ(mqa.bytes, 256);     // (1*128 + 1*128) * 1 B

  const Emitted m = EmitPhases("mha", Llama3_70B(), stage);
  const Emitted g = EmitPhases("gqa", Llama3_70B(), stage);
  const Emitted q = EmitPhases("mqa", Llama3_70B(), stage);
  ASSERT_TRUE(m.status.ok() && g.status.ok() && q.status.ok());
  EXPECT_EQ(m[IC_PHASE_QK_SCORES].kv_read_bytes, 6'144'000);  // 750*64*128 * 1 B
  EXPECT_EQ(g[IC_PHASE_QK_SCORES].kv_read_bytes, 768'000);    // 750*8*128 * 1 B
  EXPECT_EQ(q[IC_PHASE_QK_SCORES].kv_read_bytes, 96'000);     // 750*1*128 * 1 B
  EXPECT_EQ(m[IC_PHASE_K_PROJ].weight_bytes, 67'108'864);     // 8192*64*128 * 1 B
  EXPECT_EQ(g[IC_PHASE_K_PROJ].weight_bytes, 8'388'608);      // 8192*8*128 * 1 B
  EXPECT_EQ(q[IC_PHASE_K_PROJ].weight_bytes, 1'048'576);      // 8192*1*128 * 1 B
  // The query side does not change: 2*64*128*750 = 12,288,000 for all three.
  EXPECT_EQ(m[IC_PHASE_QK_SCORES].matrix_flops, 12'288'000);
  EXPECT_EQ(g[IC_PHASE_QK_SCORES].matrix_flops, 12'288'000);
  EXPECT_EQ(q[IC_PHASE_QK_SCORES].matrix_flops, 12'288'000);
}

TEST(KvHeads, MhaAndMqaIgnoreTheConfiguredKvHeads) {
  ic_attention_shape shape = Llama3_70B();
  shape.num_kv_heads = 0;  // would be invalid for GQA
  const Bytes mha = KvCacheBytesPerToken("mha", shape, DecodeStage(750));
  const Bytes mqa = KvCacheBytesPerToken("mqa", shape, DecodeStage(750));
  ASSERT_TRUE(mha.status.ok()) << mha.status.message;
  ASSERT_TRUE(mqa.status.ok()) << mqa.status.message;
  EXPECT_EQ(mha.bytes, 16'384);  // (64*128 + 64*128) * 1 B
  EXPECT_EQ(mqa.bytes, 256);     // (128 + 128) * 1 B
  EXPECT_EQ(KvCacheBytesPerToken("gqa", shape, DecodeStage(750)).status.code,
            IC_STATUS_INVALID_ARGUMENT);
}

// ---- decode and prefill geometry ----

TEST(Decode, DoublingTheContextDoublesScoresAndKvReads) {
  const Emitted at750 = EmitPhases("gqa", Llama3_70B(), DecodeStage(750));
  const Emitted at1500 = EmitPhases("gqa", Llama3_70B(), DecodeStage(1500));
  ASSERT_TRUE(at750.status.ok() && at1500.status.ok());
  EXPECT_EQ(at750[IC_PHASE_QK_SCORES].matrix_flops, 12'288'000);   // 2*64*128*750
  EXPECT_EQ(at1500[IC_PHASE_QK_SCORES].matrix_flops, 24'576'000);  // 2*64*128*1500
  EXPECT_EQ(at750[IC_PHASE_QK_SCORES].kv_read_bytes, 768'000);     // 750*8*128
  EXPECT_EQ(at1500[IC_PHASE_QK_SCORES].kv_read_bytes, 1'536'000);  // 1500*8*128
  EXPECT_EQ(at1500[IC_PHASE_ATTN_V].matrix_flops, 24'576'000);     // 2*64*128*1500
  EXPECT_EQ(at1500[IC_PHASE_ATTN_V].kv_read_bytes, 1'536'000);     // 1500*8*128
  EXPECT_EQ(at1500[IC_PHASE_SOFTMAX].vector_flops, 480'000);       // 5*64*1500
  // Projections do not depend on the context: still 8192*64*128 = 67,108,864 B.
  EXPECT_EQ(at1500[IC_PHASE_Q_PROJ].weight_bytes, 67'108'864);
  EXPECT_EQ(at1500[IC_PHASE_K_PROJ].kv_write_bytes, 1'024);  // 8*128
}

TEST(Prefill, CausalScoresCountNTimesNPlusOneOverTwoPairs) {
  const Emitted out = EmitPhases("gqa", Llama3_70B(), PrefillStage(500));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  // pairs = 500*501/2 = 125,250
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 2'052'096'000);  // 2*64*128*125,250
  EXPECT_EQ(out[IC_PHASE_ATTN_V].matrix_flops, 2'052'096'000);     // 2*64*128*125,250
  EXPECT_EQ(out[IC_PHASE_SOFTMAX].vector_flops, 40'080'000);       // 5*64*125,250
  // The recorded shape is the full rectangle (M=q, N=keys) whose FLOPs would be
  // 2*500*500*128*64 = 4,096,000,000; the causal count is what is reported.
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].gemm_m, 500);
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].gemm_n, 500);
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].kv_read_bytes, 512'000);     // 500*8*128 * 1 B
  EXPECT_EQ(out[IC_PHASE_K_PROJ].kv_write_bytes, 512'000);       // 500*8*128 * 1 B
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].matrix_flops, 67'108'864'000);  // 2*500*8192*8192
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].gemm_m, 500);
  // Weights are read once for all 500 tokens: 8192*64*128 * 1 B.
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].weight_bytes, 67'108'864);
}

TEST(Prefill, BatchMultipliesTokenWork) {
  ic_stage stage = PrefillStage(500);
  stage.batch = 4;
  const Emitted out = EmitPhases("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 8'208'384'000);  // 4 * 2*64*128*125,250
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].kv_read_bytes, 2'048'000);     // 4*500*8*128
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].gemm_count, 256);              // 4*64
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].gemm_m, 2'000);                   // 4*500
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].weight_bytes, 67'108'864);        // weights once per step
}

TEST(Prefill, ChunkCountsOnlyTheNewQueriesAgainstTheWholeContext) {
  ic_stage chunk = PrefillStage(600);
  chunk.query_tokens = 100;  // tokens 501..600 after a 500-token earlier chunk
  const Emitted out = EmitPhases("gqa", Llama3_70B(), chunk);
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  // pairs = 501 + ... + 600 = (501+600)*100/2 = 55,050
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 901'939'200);  // 2*64*128*55,050
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].kv_read_bytes, 614'400);     // 600*8*128
  EXPECT_EQ(out[IC_PHASE_K_PROJ].kv_write_bytes, 102'400);       // 100*8*128
}

TEST(SlidingWindow, BoundsPairsAndKeysAtDecode) {
  ic_attention_shape shape = Llama3_70B();
  shape.sliding_window = 4096;
  const Emitted long_context = EmitPhases("gqa", shape, DecodeStage(10'000));
  ASSERT_TRUE(long_context.status.ok()) << long_context.status.message;
  EXPECT_EQ(long_context[IC_PHASE_QK_SCORES].matrix_flops, 67'108'864);  // 2*64*128*4096
  EXPECT_EQ(long_context[IC_PHASE_QK_SCORES].kv_read_bytes, 4'194'304);  // 4096*8*128
  EXPECT_EQ(long_context[IC_PHASE_QK_SCORES].gemm_n, 4'096);
  const Emitted short_context = EmitPhases("gqa", shape, DecodeStage(1'000));
  ASSERT_TRUE(short_context.status.ok());
  EXPECT_EQ(short_context[IC_PHASE_QK_SCORES].matrix_flops, 16'384'000);  // 2*64*128*1000
  EXPECT_EQ(short_context[IC_PHASE_QK_SCORES].kv_read_bytes, 1'024'000);  // 1000*8*128
}

TEST(SlidingWindow, BoundsPairsAndKeysAtPrefill) {
  ic_attention_shape shape = Llama3_70B();
  shape.sliding_window = 4;
  const Emitted prefill = EmitPhases("gqa", shape, PrefillStage(10));
  ASSERT_TRUE(prefill.status.ok()) << prefill.status.message;
  // pairs = 1+2+3+4 + 6*4 = 34; keys = min(10, 4+10-1) = 10
  EXPECT_EQ(prefill[IC_PHASE_SOFTMAX].vector_flops, 10'880);     // 5*64*34
  EXPECT_EQ(prefill[IC_PHASE_QK_SCORES].matrix_flops, 557'056);  // 2*64*128*34
  EXPECT_EQ(prefill[IC_PHASE_QK_SCORES].kv_read_bytes, 10'240);  // 10*8*128
  ic_stage chunk = PrefillStage(12);
  chunk.query_tokens = 4;  // positions 9..12, each sees 4 keys; keys 6..12 are read
  const Emitted later = EmitPhases("gqa", shape, chunk);
  ASSERT_TRUE(later.status.ok()) << later.status.message;
  EXPECT_EQ(later[IC_PHASE_SOFTMAX].vector_flops, 5'120);     // 5*64*(4*4)
  EXPECT_EQ(later[IC_PHASE_QK_SCORES].kv_read_bytes, 7'168);  // min(12, 4+4-1)=7 keys * 8*128
}

// ---- tensor parallelism ----

TEST(TensorParallel, Tp8SplitsQueryAndKvHeads) {
  ic_stage stage = DecodeStage(750);
  stage.tensor_parallel = 8;  // H = 64/8 = 8 query heads, 8/8 = 1 KV head per shard
  const Emitted out = EmitPhases("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].weight_bytes, 8'388'608);     // 8192*8*128
  EXPECT_EQ(out[IC_PHASE_K_PROJ].weight_bytes, 1'048'576);     // 8192*1*128
  EXPECT_EQ(out[IC_PHASE_O_PROJ].weight_bytes, 8'388'608);     // 8*128*8192
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 1'536'000);  // 2*8*128*750
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].kv_read_bytes, 96'000);    // 750*1*128
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].gemm_count, 8);            // 1*8
  EXPECT_EQ(out[IC_PHASE_SOFTMAX].vector_flops, 30'000);       // 5*8*750
  const Bytes kv = KvCacheBytesPerToken("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(kv.status.ok());
  EXPECT_EQ(kv.bytes, 256);  // (128 + 128) * 1 B
}

TEST(TensorParallel, Tp16ReplicatesKvHeads) {
  ic_stage stage = DecodeStage(750);
  stage.tensor_parallel = 16;  // H = 4 per shard; 8 KV heads < 16 shards: one replica each
  ASSERT_TRUE(Validate("gqa", Llama3_70B(), 16).ok());
  const Emitted out = EmitPhases("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].weight_bytes, 4'194'304);   // 8192*4*128
  EXPECT_EQ(out[IC_PHASE_K_PROJ].weight_bytes, 1'048'576);   // 8192*1*128 (replica)
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 768'000);  // 2*4*128*750
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].kv_read_bytes, 96'000);  // 750*1*128
  const Bytes kv = KvCacheBytesPerToken("gqa", Llama3_70B(), stage);
  ASSERT_TRUE(kv.status.ok());
  EXPECT_EQ(kv.bytes, 256);  // (128 + 128) * 1 B
}

TEST(TensorParallel, TpThatDoesNotDivideTheHeadsIsRejectedWithTheValidSizes) {
  for (const char* variant : {"mha", "gqa", "mqa"}) {
    const Status status = Validate(variant, Llama3_70B(), 3);
    EXPECT_EQ(status.code, IC_STATUS_INVALID_ARGUMENT) << variant;
    EXPECT_THAT(status.message, HasSubstr("tensor_parallel = 3")) << variant;
    EXPECT_THAT(status.message, HasSubstr("num_heads = 64")) << variant;
    EXPECT_THAT(status.message, HasSubstr("1, 2, 4, 8, 16, 32, 64")) << variant;

    ic_stage stage = DecodeStage(750);
    stage.tensor_parallel = 3;
    const Emitted out = EmitPhases(variant, Llama3_70B(), stage);
    EXPECT_EQ(out.status.code, IC_STATUS_INVALID_ARGUMENT) << variant;
    EXPECT_TRUE(out.phases.empty()) << variant << ": nothing is emitted before validation";
  }
  EXPECT_THAT(Validate("gqa", Llama3_70B(), 0).message, HasSubstr("tensor_parallel = 0"));
}

TEST(TensorParallel, GqaRejectsTpThatNeitherDividesNorIsAMultipleOfTheKvHeads) {
  ic_attention_shape shape = Llama3_70B();
  shape.num_heads = 48;                             // 48 query heads in 8 groups of 6
  const Status status = Validate("gqa", shape, 6);  // 48 % 6 == 0, but 8 % 6 and 6 % 8 != 0
  EXPECT_EQ(status.code, IC_STATUS_INVALID_ARGUMENT);
  EXPECT_THAT(status.message, HasSubstr("num_kv_heads = 8"));
  // Divisors of 48: 1 2 3 4 6 8 12 16 24 48; those that divide 8 or are multiples of it:
  EXPECT_THAT(status.message, HasSubstr("1, 2, 4, 8, 16, 24, 48"));
  EXPECT_TRUE(Validate("mha", shape, 6).ok());  // MHA has 48 KV heads: 6 divides them
}

// ---- invalid input is an INVALID_ARGUMENT error naming the field, never a crash ----

struct InvalidCase {
  std::string field;
  std::function<void(ic_attention_shape&, ic_stage&)> spoil;
};

TEST(Validation, InvalidShapesAndStagesAreRejectedNamingTheField) {
  const std::vector<InvalidCase> cases = {
      {"num_kv_heads = 0", [](ic_attention_shape& s, ic_stage&) { s.num_kv_heads = 0; }},
      {"num_kv_heads = 6", [](ic_attention_shape& s, ic_stage&) { s.num_kv_heads = 6; }},
      {"hidden_size = 0", [](ic_attention_shape& s, ic_stage&) { s.hidden_size = 0; }},
      {"num_heads = -64", [](ic_attention_shape& s, ic_stage&) { s.num_heads = -64; }},
      {"head_dim = 0", [](ic_attention_shape& s, ic_stage&) { s.head_dim = 0; }},
      {"sliding_window = -1", [](ic_attention_shape& s, ic_stage&) { s.sliding_window = -1; }},
      {"batch = 0", [](ic_attention_shape&, ic_stage& t) { t.batch = 0; }},
      {"query_tokens = 0", [](ic_attention_shape&, ic_stage& t) { t.query_tokens = 0; }},
      {"context_tokens = 10",
       [](ic_attention_shape&, ic_stage& t) {
         t.query_tokens = 20;
         t.context_tokens = 10;
       }},
      {"kv_bytes_per_element = nan",
       [](ic_attention_shape&, ic_stage& t) { t.kv_bytes_per_element = std::nan(""); }},
      {"weight_bytes_per_element = -1",
       [](ic_attention_shape&, ic_stage& t) { t.weight_bytes_per_element = -1; }},
      {"activation_bytes_per_element = inf",
       [](ic_attention_shape&, ic_stage& t) { t.activation_bytes_per_element = HUGE_VAL; }},
      {"stage kind = 5", [](ic_attention_shape&, ic_stage& t) { t.kind = 5; }},
  };
  for (const InvalidCase& c : cases) {
    ic_attention_shape shape = Llama3_70B();
    ic_stage stage = DecodeStage(750);
    c.spoil(shape, stage);
    const Emitted out = EmitPhases("gqa", shape, stage);
    EXPECT_EQ(out.status.code, IC_STATUS_INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(out.status.message, HasSubstr(c.field));
    EXPECT_TRUE(out.phases.empty()) << c.field;
    const Bytes kv = KvCacheBytesPerToken("gqa", shape, stage);
    EXPECT_EQ(kv.status.code, IC_STATUS_INVALID_ARGUMENT) << c.field;
  }
  EXPECT_EQ(LiveErrorCount(), 0);
}

TEST(Validation, NullPointersComeBackAsInvalidArgument) {
  const LoadedPlugin* plugin = Plugin("gqa");
  ASSERT_NE(plugin, nullptr);
  const auto* table = static_cast<const ic_attention_variant_table*>(plugin->table->kind_table);
  const ic_stage stage = DecodeStage(750);
  double bytes = 0;
  const Status null_shape =
      TakeError(table->kv_cache_bytes_per_token(plugin->instance, nullptr, &stage, &bytes));
  EXPECT_EQ(null_shape.code, IC_STATUS_INVALID_ARGUMENT);
  const ic_attention_shape shape = Llama3_70B();
  const Status null_sink = TakeError(table->emit_phases(plugin->instance, &shape, &stage, nullptr));
  EXPECT_EQ(null_sink.code, IC_STATUS_INVALID_ARGUMENT);
}

// A sink that rejects its third record with a host error; the variant must stop and return
// exactly that error.
struct RejectingSink {
  int seen = 0;
  ic_error* made = nullptr;
  static ic_error* Emit(void* context, const ic_phase_cost* /*cost*/) {
    auto* self = static_cast<RejectingSink*>(context);
    if (++self->seen < 3) return nullptr;
    self->made = FakeHost().make_error(FakeHost().host_context, IC_STATUS_FAILED_PRECONDITION,
                                       {"host rejects the record", 23});
    return self->made;
  }
};

TEST(Validation, HostSinkErrorIsReturnedUnchangedAndEmissionStops) {
  const LoadedPlugin* plugin = Plugin("gqa");
  ASSERT_NE(plugin, nullptr);
  const auto* table = static_cast<const ic_attention_variant_table*>(plugin->table->kind_table);
  RejectingSink rejecting;
  const ic_phase_sink sink = {sizeof(ic_phase_sink), 0, &rejecting, &RejectingSink::Emit};
  const ic_attention_shape shape = Llama3_70B();
  const ic_stage stage = DecodeStage(750);
  ic_error* error = table->emit_phases(plugin->instance, &shape, &stage, &sink);
  EXPECT_EQ(error, rejecting.made);
  EXPECT_EQ(rejecting.seen, 3);
  const Status status = TakeError(error);
  EXPECT_EQ(status.code, IC_STATUS_FAILED_PRECONDITION);
  EXPECT_EQ(status.message, "host rejects the record");
}

// ---- shape details ----

TEST(ShapeDetails, BiasFlagsAddTheirVectorsToTheParams) {
  ic_attention_shape shape = Llama3_70B();
  shape.flags = IC_ATTENTION_FLAG_QKV_BIAS | IC_ATTENTION_FLAG_O_BIAS;
  const Emitted out = EmitPhases("gqa", shape, DecodeStage(750));
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].params, 67'117'056);        // 8192*8192 + 8192
  EXPECT_EQ(out[IC_PHASE_K_PROJ].params, 8'389'632);         // 8192*1024 + 1024
  EXPECT_EQ(out[IC_PHASE_V_PROJ].params, 8'389'632);         // 8192*1024 + 1024
  EXPECT_EQ(out[IC_PHASE_O_PROJ].params, 67'117'056);        // 8192*8192 + 8192
  EXPECT_EQ(out[IC_PHASE_Q_PROJ].weight_bytes, 67'117'056);  // params * 1 B
}

TEST(ShapeDetails, ZeroValueHeadDimMeansHeadDimAndADistinctOneIsUsed) {
  ic_attention_shape same = Llama3_70B();
  same.v_head_dim = 0;
  const Bytes kv = KvCacheBytesPerToken("gqa", same, DecodeStage(750));
  ASSERT_TRUE(kv.status.ok());
  EXPECT_EQ(kv.bytes, 2'048);  // (8*128 + 8*128) * 1 B

  ic_attention_shape wide_keys{};  // 16 heads, keys 192 wide, values 128 wide
  wide_keys.struct_size = sizeof(wide_keys);
  wide_keys.hidden_size = 2048;
  wide_keys.num_heads = 16;
  wide_keys.head_dim = 192;
  wide_keys.v_head_dim = 128;
  ic_stage stage = DecodeStage(100);
  stage.kv_bytes_per_element = 2;
  const Bytes mha_kv = KvCacheBytesPerToken("mha", wide_keys, stage);
  ASSERT_TRUE(mha_kv.status.ok()) << mha_kv.status.message;
  EXPECT_EQ(mha_kv.bytes, 10'240);  // (16*192 + 16*128) * 2 B
  const Emitted out = EmitPhases("mha", wide_keys, stage);
  ASSERT_TRUE(out.status.ok()) << out.status.message;
  EXPECT_EQ(out[IC_PHASE_QK_SCORES].matrix_flops, 614'400);  // 2*16*192*100
  EXPECT_EQ(out[IC_PHASE_ATTN_V].matrix_flops, 409'600);     // 2*16*128*100
  EXPECT_EQ(out[IC_PHASE_O_PROJ].params, 4'194'304);         // 16*128*2048
  EXPECT_EQ(out[IC_PHASE_V_PROJ].kv_write_bytes, 4'096);     // 16*128 * 2 B
}

}  // namespace
}  // namespace infercost::testing
