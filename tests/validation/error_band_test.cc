// Issue 12, point 5: every time carries a band derived from the measured error of its regime
// (presets/error-bands.toml, written by `infercost calibrate --bands`), and on the visible data
// the band contains the measurement at least at the stated coverage. Expected values: the
// shipped bands and the measured rows (tests/data/validation/).
#include "framework/error_band.h"

#include <string>
#include <vector>

#include "framework/estimate.h"
#include "framework/loader/plugin_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/presets.h"
#include "tests/integration/pipeline_fixture.h"
#include "validation/aic_serving.h"
#include "validation/anl_static_batch.h"

namespace infercost::validation {
namespace {

using ::testing::HasSubstr;

using testing::InTreePlugins;
using testing::RepoPresets;

std::string Data(const std::string& file) {
  return std::string(INFERCOST_TEST_DATA_DIR) + "/validation/" + file;
}

// Whether `measured` lies in the band its regime gives `predicted`.
bool Inside(const std::string& regime, double predicted, double measured) {
  const registry::ErrorBands& bands = *RepoPresets().error_bands;
  auto it = bands.regimes.find(regime);
  if (it == bands.regimes.end()) return false;
  return measured >= predicted / it->second.high * (1 - 1e-9) &&
         measured <= predicted / it->second.low * (1 + 1e-9);
}

TEST(ErrorBands, ShippedBandsLoadWithTheirCoverage) {
  ASSERT_NE(RepoPresets().error_bands, nullptr);
  EXPECT_EQ(RepoPresets().error_bands->coverage, 0.8);
  EXPECT_GT(RepoPresets().error_bands->regimes.size(), 10u);
}

TEST(ErrorBands, AnlEndToEndRowsReachTheCoverage) {
  for (const char* file : {"anl_static_batch_all.csv", "anl_static_batch_amd.csv"}) {
    SCOPED_TRACE(file);
    absl::StatusOr<std::vector<AnlRow>> rows = ReadAnlStaticBatchCsv(Data(file));
    ASSERT_TRUE(rows.ok()) << rows.status();
    absl::StatusOr<AnlValidation> v =
        ValidateAnlStaticBatch(*rows, RepoPresets(), InTreePlugins(), {});
    ASSERT_TRUE(v.ok()) << v.status();
    int inside = 0;
    for (const AnlResult& r : v->results) {
      inside += Inside(r.band_regime, r.predicted_s, r.row.latency_s) ? 1 : 0;
    }
    EXPECT_GE(inside, 0.8 * static_cast<double>(v->results.size()));
  }
}

TEST(ErrorBands, AicTpotRowsReachTheCoverage) {
  absl::StatusOr<std::vector<AicRow>> rows =
      ReadAicServingCsv(Data("aic_serving_low_concurrency.csv"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<AicValidation> v = ValidateAicServing(*rows, RepoPresets(), InTreePlugins(), {});
  ASSERT_TRUE(v.ok()) << v.status();
  int inside = 0;
  for (const AicResult& r : v->results) {
    inside += Inside(r.tpot_regime, r.predicted_ms, r.row.tpot_ms) ? 1 : 0;
  }
  EXPECT_GE(inside, 0.8 * static_cast<double>(v->results.size()));
}

framework::Estimate EstimateOf(const framework::ScenarioRequest& r) {
  absl::StatusOr<framework::Scenario> s = framework::MakeScenario(r, RepoPresets());
  EXPECT_TRUE(s.ok()) << s.status();
  absl::StatusOr<framework::Estimate> e = framework::EstimateScenario(*s, InTreePlugins());
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : framework::Estimate{};
}

TEST(ErrorBands, ACalibratedRegimeGivesItsQuantilesAnUncalibratedOneIsWidenedAndSaysWhy) {
  framework::ScenarioRequest r;
  r.model = "llama-3.1-8b";
  r.hardware = "h100-sxm";
  r.engine = "vllm";
  r.gpus = 1;
  r.concurrency = 16;
  const framework::Estimate fitted = EstimateOf(r);
  const framework::TimeBand& band = fitted.summary.e2e_band;
  EXPECT_EQ(band.regime, "e2e/fitted/dense/8-63");
  ASSERT_TRUE(band.calibrated);
  const registry::ErrorBand& measured = RepoPresets().error_bands->regimes.at(band.regime);
  EXPECT_DOUBLE_EQ(band.low_s, fitted.summary.e2e_s / measured.high);
  EXPECT_DOUBLE_EQ(band.high_s, fitted.summary.e2e_s / measured.low);
  EXPECT_EQ(band.rows, measured.rows);

  r.engine = "ideal";  // a roofline bound: no measurements of its regime
  const framework::Estimate ideal = EstimateOf(r);
  EXPECT_FALSE(ideal.summary.e2e_band.calibrated);
  EXPECT_THAT(ideal.summary.e2e_band.why, HasSubstr("no measurements of regime e2e/ideal"));
  EXPECT_LT(ideal.summary.e2e_band.low_s, ideal.summary.e2e_s);
  EXPECT_GT(ideal.summary.e2e_band.high_s, ideal.summary.e2e_s);
}

}  // namespace
}  // namespace infercost::validation
