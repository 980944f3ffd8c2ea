// An engine fitted on one device, on another (framework/calibration.h): its matmul and bandwidth
// efficiency move by the ratio of the devices' measured [efficiency]; values fitted on the device
// itself win; without a measurement the reference values stay and the basis says so. Expected
// numbers: the vllm preset (fitted on h100-sxm: matmul 0.59, bandwidth 0.92) and the measured
// fractions in presets/hardware/*.toml.
#include "framework/calibration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/pipeline_fixture.h"

namespace infercost::testing {
namespace {

using ::testing::HasSubstr;

framework::EngineCalibration On(const char* engine, const char* device) {
  const registry::Presets& presets = RepoPresets();
  return framework::CalibrateEngine(*presets.engines.FindOrNull(engine),
                                    *presets.hardware.FindOrNull(device), presets);
}

TEST(CalibrationTransfer, ReferenceDeviceKeepsTheFit) {
  const framework::EngineCalibration c = On("vllm", "h100-sxm");
  EXPECT_TRUE(c.fitted_on_device);
  EXPECT_EQ(c.engine.matmul_efficiency, 0.59);
  EXPECT_EQ(c.engine.bandwidth_efficiency, 0.92);
}

TEST(CalibrationTransfer, MeasuredDeviceMovesBothEfficiencies) {
  // (Intel's Max 1550 has no table in vllm.toml.)
  const framework::EngineCalibration c = On("vllm", "max1550");
  EXPECT_FALSE(c.fitted_on_device);
  EXPECT_TRUE(c.transferred);
  // 0.59 x 0.65 / 0.80 = 0.479375; 0.92 x 0.61 / 0.89 = 0.63056...
  EXPECT_DOUBLE_EQ(c.engine.matmul_efficiency, 0.59 * 0.65 / 0.80);
  EXPECT_DOUBLE_EQ(c.engine.bandwidth_efficiency, 0.92 * 0.61 / 0.89);
  // Software costs are the engine's: unchanged.
  EXPECT_EQ(c.engine.per_step_overhead_s, On("vllm", "h100-sxm").engine.per_step_overhead_s);
}

TEST(CalibrationTransfer, DeviceTableWinsAndTheRestMoves) {
  // vllm's [hardware.b200] sets per-step costs, not the efficiencies: matmul moves by B200's
  // measured 0.78 (0.59 x 0.78 / 0.80 = 0.57525); bandwidth has no B200 measurement and stays.
  const framework::EngineCalibration c = On("vllm", "b200");
  EXPECT_TRUE(c.fitted_on_device);
  EXPECT_DOUBLE_EQ(c.engine.matmul_efficiency, 0.59 * 0.78 / 0.80);
  EXPECT_EQ(c.engine.bandwidth_efficiency, 0.92);
  EXPECT_THAT(c.basis, HasSubstr("bandwidth_efficiency as fitted on h100-sxm"));
  // vllm's [hardware.a100-40gb] sets matmul_efficiency 0.76 itself; bandwidth moves by
  // 0.89 / 0.89 = 1.
  const framework::EngineCalibration a100 = On("vllm", "a100-40gb");
  EXPECT_EQ(a100.engine.matmul_efficiency, 0.76);
  EXPECT_DOUBLE_EQ(a100.engine.bandwidth_efficiency, 0.92 * 0.89 / 0.89);
}

// ANL's vLLM of mid-2024 (vllm-0.5) was fitted on MI300X; a current vLLM was not: it moves there
// by MI300X's measured efficiencies (0.59 x 0.51 / 0.80 = 0.376125; 0.92 x 0.77 / 0.89 =
// 0.79595...), while vllm-0.5 keeps its own table (matmul 0.0555) and the H100 values it starts
// from (vllm.toml's).
TEST(CalibrationTransfer, AnEnginesVersionFittedOnADeviceDoesNotFitTheOthers) {
  const framework::EngineCalibration current = On("vllm", "mi300x");
  EXPECT_FALSE(current.fitted_on_device);
  EXPECT_TRUE(current.transferred);
  EXPECT_DOUBLE_EQ(current.engine.matmul_efficiency, 0.59 * 0.51 / 0.80);
  EXPECT_DOUBLE_EQ(current.engine.bandwidth_efficiency, 0.92 * 0.77 / 0.89);
  const framework::EngineCalibration anl = On("vllm-0.5", "mi300x");
  EXPECT_TRUE(anl.fitted_on_device);
  EXPECT_EQ(anl.engine.matmul_efficiency, 0.0555);
  EXPECT_EQ(anl.engine.host_overlap, 0);
  const framework::EngineCalibration anl_h100 = On("vllm-0.5", "h100-sxm");
  EXPECT_EQ(anl_h100.engine.matmul_efficiency, 0.59);
  EXPECT_EQ(anl_h100.engine.per_step_overhead_s, On("vllm", "h100-sxm").engine.per_step_overhead_s);
}

TEST(CalibrationTransfer, UnmeasuredDeviceKeepsTheReferenceAndSaysSo) {
  const framework::EngineCalibration c = On("vllm", "mi355x");
  EXPECT_FALSE(c.fitted_on_device);
  EXPECT_FALSE(c.transferred);
  EXPECT_EQ(c.engine.matmul_efficiency, 0.59);
  EXPECT_THAT(c.basis, HasSubstr("mi355x has no measured efficiency"));
}

TEST(CalibrationTransfer, IdealEngineHasNoReference) {
  const framework::EngineCalibration c = On("ideal", "mi250");
  EXPECT_TRUE(c.fitted_on_device);
  EXPECT_EQ(c.engine.matmul_efficiency, 1);
}

TEST(CalibrationTransfer, ReportSaysHowAndConfidenceWidens) {
  framework::ScenarioRequest r;
  r.model = "llama-3.1-8b";
  r.hardware = "max1550";
  r.engine = "vllm";
  r.gpus = 1;
  r.concurrency = 8;
  absl::StatusOr<framework::Estimate> e = TryEstimate(r);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(::testing::PrintToString(e->summary.notes),
              HasSubstr("calibration of vllm on max1550: moved from h100-sxm"));
  // Its trust is that of the measured rows of transferred calibrations (AMD rows of ANL).
  EXPECT_THAT(e->summary.e2e_band.regime, HasSubstr("/transferred/"));
  EXPECT_THAT(::testing::PrintToString(framework::ConfidenceReasons(e->summary.confidence)),
              HasSubstr("of regime e2e/transferred/dense/8-63"));
}

}  // namespace
}  // namespace infercost::testing
