// The SDK's argument checks (attention_math.h) and LayerOf (options.h): each check decides a
// valid argument in one expression and says what is wrong otherwise; both ways must agree.
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "infercost/sdk/attention_math.h"
#include "infercost/sdk/error.h"
#include "infercost/sdk/options.h"

namespace infercost {
namespace {

namespace am = sdk::attention_math;
using ::testing::HasSubstr;

// What `check` throws ("" when it does not).
template <typename Check>
std::string Rejection(Check check) {
  try {
    check();
  } catch (const sdk::Error& error) {
    return error.what();
  }
  return "";
}

ic_attention_shape Shape(int64_t heads) {
  ic_attention_shape shape{};
  shape.struct_size = sizeof(ic_attention_shape);
  shape.hidden_size = 128 * heads;
  shape.num_heads = heads;
  shape.num_kv_heads = heads;
  shape.head_dim = 128;
  return shape;
}

TEST(SdkChecks, DividesTellsDivisorsByMaskOrDivisionAlike) {
  // Powers of two (a mask) and others (a division), against the remainder.
  for (int64_t divisor = 1; divisor <= 64; ++divisor) {
    for (int64_t value = -130; value <= 130; ++value) {
      EXPECT_EQ(am::Divides(divisor, value), value % divisor == 0) << divisor << " | " << value;
    }
  }
}

TEST(SdkChecks, TensorParallelismMustDivideTheHeads) {
  // 12 heads: 3 and 6 divide them (no power of two), 4 does; 8 and 5 do not.
  for (const int64_t tp : {1, 2, 3, 4, 6, 12}) {
    EXPECT_EQ(Rejection([&] { am::ValidateAttentionShape(Shape(12), tp); }), "") << tp;
  }
  for (const int64_t tp : {5, 8, 24}) {
    EXPECT_THAT(Rejection([&] { am::ValidateAttentionShape(Shape(12), tp); }),
                HasSubstr("does not divide num_heads = 12"))
        << tp;
  }
  EXPECT_THAT(Rejection([&] { am::ValidateAttentionShape(Shape(12), 0); }),
              HasSubstr("tensor_parallel = 0 must be positive"));
  ic_attention_shape negative_window = Shape(12);
  negative_window.sliding_window = -1;
  EXPECT_THAT(Rejection([&] { am::ValidateAttentionShape(negative_window, 1); }),
              HasSubstr("sliding_window = -1 must be >= 0"));
  ic_attention_shape no_heads = Shape(12);
  no_heads.num_heads = 0;
  EXPECT_THAT(Rejection([&] { am::ValidateAttentionShape(no_heads, 1); }),
              HasSubstr("num_heads = 0 must be positive"));
}

TEST(SdkChecks, KeyValueHeadsGroupTheQueryHeadsAndSplitOrReplicate) {
  // 48 query heads in 6 K/V groups: TP 2, 3 and 6 split the groups, 12 and 48 replicate them
  // (6 divides them); 4 and 9 do neither.
  const ic_attention_shape shape = Shape(48);
  for (const int64_t tp : {1, 2, 3, 6, 12, 48}) {
    EXPECT_EQ(Rejection([&] { am::ValidateKvHeadSplit(shape, 6, tp); }), "") << tp;
  }
  for (const int64_t tp : {4, 9}) {
    EXPECT_THAT(Rejection([&] { am::ValidateKvHeadSplit(shape, 6, tp); }),
                HasSubstr("neither divides nor is a multiple of num_kv_heads = 6"))
        << tp;
  }
  // 5 K/V heads cannot group 48 query heads evenly.
  EXPECT_THAT(Rejection([&] { am::ValidateKvHeadSplit(shape, 5, 1); }),
              HasSubstr("is not a multiple of num_kv_heads = 5"));
  EXPECT_THAT(Rejection([&] { am::ValidateKvHeadSplit(shape, 0, 1); }),
              HasSubstr("num_kv_heads = 0 must be positive"));
}

TEST(SdkChecks, AStageNeedsAKindTokensAndFiniteBytesPerElement) {
  ic_stage stage{};
  stage.struct_size = sizeof(ic_stage);
  stage.kind = IC_STAGE_DECODE;
  stage.batch = 4;
  stage.query_tokens = 1;
  stage.context_tokens = 1;
  stage.weight_bytes_per_element = 2;
  stage.activation_bytes_per_element = 2;
  stage.kv_bytes_per_element = 0;  // >= 0 is allowed
  EXPECT_EQ(Rejection([&] { am::ValidateStage(stage); }), "");
  const auto rejected = [&](auto change) {
    ic_stage changed = stage;
    change(changed);
    return Rejection([&] { am::ValidateStage(changed); });
  };
  EXPECT_THAT(rejected([](ic_stage& s) { s.kind = 2; }), HasSubstr("stage kind = 2"));
  EXPECT_THAT(rejected([](ic_stage& s) { s.batch = 0; }), HasSubstr("batch = 0"));
  EXPECT_THAT(rejected([](ic_stage& s) { s.context_tokens = 0; }),
              HasSubstr("context_tokens = 0 is smaller than query_tokens = 1"));
  EXPECT_THAT(rejected([](ic_stage& s) { s.weight_bytes_per_element = std::nan(""); }),
              HasSubstr("weight_bytes_per_element = nan"));
  EXPECT_THAT(rejected([](ic_stage& s) {
                s.activation_bytes_per_element = std::numeric_limits<double>::infinity();
              }),
              HasSubstr("activation_bytes_per_element = inf"));
  EXPECT_THAT(rejected([](ic_stage& s) { s.kv_bytes_per_element = -1; }),
              HasSubstr("kv_bytes_per_element = -1"));
}

TEST(SdkChecks, LayerOfReadsTheHostsLayerAtItsSize) {
  ic_layer layer{};
  layer.struct_size = sizeof(ic_layer);
  layer.index = 7;
  layer.count = 80;
  layer.kind = ic_string{"sliding_attention", 17};
  ic_stage stage{};
  stage.struct_size = sizeof(ic_stage);
  stage.layer = &layer;
  const ic_layer whole = sdk::LayerOf(stage);
  EXPECT_EQ(whole.struct_size, sizeof(ic_layer));
  EXPECT_EQ(whole.index, 7);
  EXPECT_EQ(whole.count, 80);
  EXPECT_EQ(std::string(whole.kind.data, whole.kind.size), "sliding_attention");
  // A layer from a host that predates `kind` (its struct ends before it): no kind.
  layer.struct_size = offsetof(ic_layer, kind);
  const ic_layer older = sdk::LayerOf(stage);
  EXPECT_EQ(older.struct_size, offsetof(ic_layer, kind));
  EXPECT_EQ(older.count, 80);
  EXPECT_EQ(older.kind.data, nullptr);
  EXPECT_EQ(older.kind.size, 0u);
  // A 1.0 stage has no layer: the default one.
  stage.struct_size = offsetof(ic_stage, layer);
  EXPECT_EQ(sdk::LayerOf(stage).index, 0);
}

}  // namespace
}  // namespace infercost
