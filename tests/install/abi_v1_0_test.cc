// ABI discipline: a plugin compiled against the frozen ABI 1.0 headers (abi_v1_0_plugin.c, built
// with only tests/install/abi_v1_0_headers on its include path) loads into the current host and
// computes exactly what the in-tree "mha" plugin, built against the current SDK, computes; and it
// serves a whole scenario evaluation.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/abi/attention_kernel_plugin.h"
#include "framework/abi/attention_variant_plugin.h"
#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "framework/scenario.h"
#include "gtest/gtest.h"
#include "infercost/c/plugin.h"
#include "registry/presets.h"

namespace infercost {
namespace {

using framework::AttentionVariantPlugin;
using framework::LoadedPlugin;

std::shared_ptr<const LoadedPlugin> LoadV10Plugin() {
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin =
      framework::LoadPluginLibrary(ABI_V1_0_PLUGIN_PATH);
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  return plugin.ok() ? *plugin : nullptr;
}

std::shared_ptr<const LoadedPlugin> LoadInTreeMha() {
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> plugin = framework::LoadPluginLibrary(
      std::string(INFERCOST_TEST_PLUGIN_DIR) + "/infercost-mha" + ABI_PLUGIN_SUFFIX);
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  return plugin.ok() ? *plugin : nullptr;
}

ic_attention_shape Shape(int64_t sliding_window, uint32_t flags) {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(shape);
  shape.flags = flags;
  shape.hidden_size = 1024;
  shape.num_heads = 16;
  shape.num_kv_heads = 16;
  shape.head_dim = 64;
  shape.v_head_dim = 64;
  shape.sliding_window = sliding_window;
  return shape;
}

ic_stage Stage(ic_stage_kind kind, int64_t batch, int64_t query, int64_t context, int64_t tp) {
  ic_stage stage{};
  stage.struct_size = sizeof(stage);
  stage.kind = kind;
  stage.batch = batch;
  stage.query_tokens = query;
  stage.context_tokens = context;
  stage.weight_dtype = IC_DTYPE_FP8;
  stage.activation_dtype = IC_DTYPE_BF16;
  stage.kv_dtype = IC_DTYPE_FP8;
  stage.weight_bytes_per_element = 1;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 1;
  stage.tensor_parallel = tp;
  return stage;
}

// The in-tree plugins and the one built against the frozen 1.0 headers, nothing else.
framework::PluginSet InTreeAndFrozenPlugins() {
  framework::PluginLoaderOptions options;
  options.plugin_dirs = {INFERCOST_TEST_PLUGIN_DIR, ABI_V1_0_PLUGIN_DIR};
  options.use_environment = false;
  options.use_default_dirs = false;
  return framework::LoadPlugins(options);
}

TEST(AbiV10, PluginBuiltAgainstFrozenHeadersLoads) {
  const auto plugin = LoadV10Plugin();
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->name(), "abi10_mha");
  EXPECT_EQ(plugin->kind(), IC_PLUGIN_KIND_ATTENTION_VARIANT);
  EXPECT_EQ(plugin->info().abi_major, 1);
  EXPECT_EQ(plugin->info().abi_minor, 0);
  EXPECT_EQ(plugin->info().struct_size, IC_PLUGIN_V1_0_SIZE);
  EXPECT_EQ(*static_cast<const uint32_t*>(plugin->info().kind_table), 32u);  // v1.0 table
}

TEST(AbiV10, ComputesWhatTheCurrentSdkComputes) {
  const auto old_plugin = LoadV10Plugin();
  const auto current_plugin = LoadInTreeMha();
  ASSERT_NE(old_plugin, nullptr);
  ASSERT_NE(current_plugin, nullptr);
  const AttentionVariantPlugin old_variant(old_plugin);
  const AttentionVariantPlugin current_variant(current_plugin);
  struct Case {
    ic_attention_shape shape;
    ic_stage stage;
  };
  const std::vector<Case> cases = {
      {Shape(0, 0), Stage(IC_STAGE_DECODE, 8, 1, 3000, 1)},
      {Shape(0, 0), Stage(IC_STAGE_PREFILL, 2, 512, 512, 2)},
      {Shape(1024, 0), Stage(IC_STAGE_DECODE, 4, 1, 5000, 4)},
      {Shape(256, IC_ATTENTION_FLAG_QKV_BIAS | IC_ATTENTION_FLAG_O_BIAS),
       Stage(IC_STAGE_PREFILL, 1, 700, 700, 1)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "window " << c.shape.sliding_window << ", stage "
                                    << c.stage.kind << ", tp " << c.stage.tensor_parallel);
    ASSERT_TRUE(old_variant.Validate(c.shape, c.stage.tensor_parallel).ok());
    absl::StatusOr<double> old_kv = old_variant.KvCacheBytesPerToken(c.shape, c.stage);
    absl::StatusOr<double> current_kv = current_variant.KvCacheBytesPerToken(c.shape, c.stage);
    ASSERT_TRUE(old_kv.ok()) << old_kv.status();
    ASSERT_TRUE(current_kv.ok()) << current_kv.status();
    EXPECT_EQ(*old_kv, *current_kv);

    absl::StatusOr<std::vector<ic_phase_cost>> old_phases = old_variant.Phases(c.shape, c.stage);
    absl::StatusOr<std::vector<ic_phase_cost>> current_phases =
        current_variant.Phases(c.shape, c.stage);
    ASSERT_TRUE(old_phases.ok()) << old_phases.status();
    ASSERT_TRUE(current_phases.ok()) << current_phases.status();
    ASSERT_EQ(old_phases->size(), current_phases->size());
    for (size_t i = 0; i < old_phases->size(); ++i) {
      const ic_phase_cost& a = (*old_phases)[i];
      const ic_phase_cost& b = (*current_phases)[i];
      SCOPED_TRACE(testing::Message() << "phase " << b.phase);
      EXPECT_EQ(a.phase, b.phase);
      EXPECT_EQ(a.params, b.params);
      EXPECT_EQ(a.matrix_flops, b.matrix_flops);
      EXPECT_EQ(a.vector_flops, b.vector_flops);
      EXPECT_EQ(a.weight_bytes, b.weight_bytes);
      EXPECT_EQ(a.kv_read_bytes, b.kv_read_bytes);
      EXPECT_EQ(a.kv_write_bytes, b.kv_write_bytes);
      EXPECT_EQ(a.activation_bytes, b.activation_bytes);
      EXPECT_EQ(a.gemm_m, b.gemm_m);
      EXPECT_EQ(a.gemm_n, b.gemm_n);
      EXPECT_EQ(a.gemm_k, b.gemm_k);
      EXPECT_EQ(a.gemm_count, b.gemm_count);
    }
  }
}

TEST(AbiV10, RejectsBadInputWithAHostError) {
  const auto plugin = LoadV10Plugin();
  ASSERT_NE(plugin, nullptr);
  const AttentionVariantPlugin variant(plugin);
  const absl::Status status = variant.Validate(Shape(0, 0), 3);  // 3 does not divide 16 heads
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST(AbiV10, ServesAWholeScenario) {
  const framework::PluginSet plugins = InTreeAndFrozenPlugins();
  ASSERT_TRUE(plugins.Find(IC_PLUGIN_KIND_ATTENTION_VARIANT, "abi10_mha").ok());
  absl::StatusOr<registry::Presets> presets = registry::LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();

  framework::ScenarioRequest request;
  request.model = "llama-2-7b";  // a multi-head model: "mha" is its own variant
  request.gpus = 1;
  request.input_tokens = 1000;
  request.output_tokens = 200;
  absl::StatusOr<framework::Scenario> with_mha = framework::MakeScenario(request, *presets);
  ASSERT_TRUE(with_mha.ok()) << with_mha.status();
  request.attention_variant = "abi10_mha";
  absl::StatusOr<framework::Scenario> with_v10 = framework::MakeScenario(request, *presets);
  ASSERT_TRUE(with_v10.ok()) << with_v10.status();

  absl::StatusOr<framework::Estimate> mha = framework::EstimateScenario(*with_mha, plugins);
  absl::StatusOr<framework::Estimate> v10 = framework::EstimateScenario(*with_v10, plugins);
  ASSERT_TRUE(mha.ok()) << mha.status();
  ASSERT_TRUE(v10.ok()) << v10.status();
  EXPECT_GT(v10->summary.tpot_s, 0);
  EXPECT_EQ(v10->summary.tpot_s, mha->summary.tpot_s);
  EXPECT_EQ(v10->summary.ttft_s, mha->summary.ttft_s);
  EXPECT_EQ(v10->summary.memory.kv_bytes, mha->summary.memory.kv_bytes);
}

void ExpectSameLedger(const framework::StageLedger& a, const framework::StageLedger& b) {
  ASSERT_EQ(a.phases.size(), b.phases.size());
  for (size_t i = 0; i < a.phases.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "phase " << b.phases[i].phase);
    EXPECT_EQ(a.phases[i].phase, b.phases[i].phase);
    EXPECT_EQ(a.phases[i].params, b.phases[i].params);
    EXPECT_EQ(a.phases[i].matrix_flops, b.phases[i].matrix_flops);
    EXPECT_EQ(a.phases[i].vector_flops, b.phases[i].vector_flops);
    EXPECT_EQ(a.phases[i].weight_bytes, b.phases[i].weight_bytes);
    EXPECT_EQ(a.phases[i].kv_read_bytes, b.phases[i].kv_read_bytes);
    EXPECT_EQ(a.phases[i].kv_write_bytes, b.phases[i].kv_write_bytes);
    EXPECT_EQ(a.phases[i].activation_bytes, b.phases[i].activation_bytes);
    EXPECT_EQ(a.phases[i].comm_bytes, b.phases[i].comm_bytes);
  }
}

// ABI 1.1 keeps every 1.0 plugin's numbers: the plugin built against the frozen 1.0 headers
// (host-side 1.0 adapter: the window zeroed on "full_attention" layers, KV memory by the 1.0
// rule) and the in-tree mha (1.1: it reads the layer kind and owns its KV state) give the same
// whole report, phase by phase, on a hybrid sliding/full model, sharded and not.
TEST(AbiV10, SameNumbersAsTheCurrentSdkOnEveryReportedQuantity) {
  const framework::PluginSet plugins = InTreeAndFrozenPlugins();
  absl::StatusOr<registry::Presets> presets = registry::LoadPresets({INFERCOST_TEST_PRESET_DIR});
  ASSERT_TRUE(presets.ok()) << presets.status();
  for (const char* model : {"llama-2-7b", "gemma-2-9b", "mistral-7b"}) {
    for (int64_t gpus : {1, 2}) {
      SCOPED_TRACE(testing::Message() << model << ", " << gpus << " GPU(s)");
      framework::ScenarioRequest request;
      request.model = model;
      request.gpus = gpus;
      request.input_tokens = 6000;  // beyond every window (gemma-2: 4096), so windows matter
      request.allow_beyond_context = true;  // llama-2-7b: 4096
      request.output_tokens = 300;
      request.concurrency = 4;
      request.attention_variant = "mha";
      absl::StatusOr<framework::Scenario> current = framework::MakeScenario(request, *presets);
      request.attention_variant = "abi10_mha";
      absl::StatusOr<framework::Scenario> frozen = framework::MakeScenario(request, *presets);
      ASSERT_TRUE(current.ok()) << current.status();
      ASSERT_TRUE(frozen.ok()) << frozen.status();
      absl::StatusOr<framework::Estimate> a = framework::EstimateScenario(*current, plugins);
      absl::StatusOr<framework::Estimate> b = framework::EstimateScenario(*frozen, plugins);
      ASSERT_TRUE(a.ok()) << a.status();
      ASSERT_TRUE(b.ok()) << b.status();
      ExpectSameLedger(a->ledger.prefill, b->ledger.prefill);
      ExpectSameLedger(a->ledger.decode, b->ledger.decode);
      ExpectSameLedger(a->prefill_per_gpu, b->prefill_per_gpu);
      ExpectSameLedger(a->decode_per_gpu, b->decode_per_gpu);
      EXPECT_EQ(a->ledger.kv_cache_bytes_per_token, b->ledger.kv_cache_bytes_per_token);
      EXPECT_EQ(a->kv_bytes_per_token_per_gpu, b->kv_bytes_per_token_per_gpu);
      EXPECT_EQ(a->summary.memory.kv_bytes, b->summary.memory.kv_bytes);
      EXPECT_EQ(a->summary.memory.max_concurrency, b->summary.memory.max_concurrency);
      EXPECT_EQ(a->summary.ttft_s, b->summary.ttft_s);
      EXPECT_EQ(a->summary.tpot_s, b->summary.tpot_s);
      // The decode sum to rounding: the current mha declares its breaks (ABI 1.4), so the sum
      // takes its steps' records from a basis of a few evaluated ones (decode_attention_basis.h);
      // the 1.0 plugin's steps are each evaluated. Both sums are exact; their last bits differ.
      EXPECT_NEAR(a->summary.e2e_s, b->summary.e2e_s, 1e-12 * b->summary.e2e_s);
      EXPECT_NEAR(a->decode_sum_s, b->decode_sum_s, 1e-12 * b->decode_sum_s);
    }
  }
}

// ABI 1.2 grew ic_phase_cost (104 -> 112 bytes): a 1.0 kernel still gets records 104 bytes
// apart from rewrite_traffic, and the host keeps the fields the kernel does not know.
TEST(AbiV10, KernelReadsRecordsAtItsOwnStride) {
  absl::StatusOr<std::shared_ptr<const LoadedPlugin>> loaded =
      framework::LoadPluginLibrary(ABI_V1_0_KERNEL_PATH);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->info().abi_minor, 0);
  const framework::AttentionKernelPlugin kernel(*loaded);
  std::vector<ic_phase_cost> phases(3);
  const ic_phase_id ids[] = {IC_PHASE_QK_SCORES, IC_PHASE_SOFTMAX, IC_PHASE_ATTN_V};
  for (size_t i = 0; i < phases.size(); ++i) {
    phases[i].struct_size = sizeof(ic_phase_cost);
    phases[i].phase = ids[i];
    phases[i].matrix_flops = 1e6 * static_cast<double>(i + 1);
    phases[i].kv_read_bytes = 100 * static_cast<double>(i + 1);
    phases[i].activation_bytes = 10 * static_cast<double>(i + 1);
    phases[i].weight_copies = 4;
  }
  const ic_kernel_device device{sizeof(ic_kernel_device), 0, 30e6, 50e6, 132};
  ASSERT_TRUE(
      kernel.RewriteTraffic(Shape(0, 0), Stage(IC_STAGE_DECODE, 1, 1, 100, 4), device, phases)
          .ok());
  // Record i: KV read 100 (i + 1) doubled; activations 10 (i + 1) + 1000 (i + 1) = 1010 (i + 1).
  for (size_t i = 0; i < phases.size(); ++i) {
    const double n = static_cast<double>(i + 1);
    EXPECT_EQ(phases[i].phase, ids[i]) << i;
    EXPECT_EQ(phases[i].kv_read_bytes, 200 * n) << i;
    EXPECT_EQ(phases[i].activation_bytes, 1010 * n) << i;
    EXPECT_EQ(phases[i].matrix_flops, 1e6 * n) << i;
    EXPECT_EQ(phases[i].weight_copies, 4) << i;  // a 1.2 field the 1.0 kernel never saw
    EXPECT_EQ(phases[i].struct_size, sizeof(ic_phase_cost)) << i;
  }
}

}  // namespace
}  // namespace infercost
