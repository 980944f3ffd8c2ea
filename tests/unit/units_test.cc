// The explainer's display rules (calculator-spec §3), one case per rule and unit boundary.
#include "framework/report/units.h"

#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

TEST(UnitsTest, Bytes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(0.5), "0.5 B");
  EXPECT_EQ(FormatBytes(61'440'000), "61.4 MB");
  EXPECT_EQ(FormatBytes(671'088'640), "671.1 MB");
  EXPECT_EQ(FormatBytes(5'368'709'120), "5.4 GB");
  EXPECT_EQ(FormatBytes(69'503'025'152), "69.5 GB");
  EXPECT_EQ(FormatBytes(999'960), "1.0 MB");  // 999.96 KB rounds up into the next unit
  EXPECT_EQ(FormatBytes(2.5e12), "2.5 TB");
}

TEST(UnitsTest, Flops) {
  EXPECT_EQ(FormatFlops(0), "0");
  EXPECT_EQ(FormatFlops(750), "750");
  EXPECT_EQ(FormatFlops(983'040'000), "983.0 M");
  EXPECT_EQ(FormatFlops(37'580'963'840), "37.6 B");
  EXPECT_EQ(FormatFlops(1.5e12), "1.5 T");
}

TEST(UnitsTest, Params) {
  EXPECT_EQ(FormatParams(0), "0");
  EXPECT_EQ(FormatParams(655'360), "655.4 K");
  EXPECT_EQ(FormatParams(671'088'640), "671.1 M");
  EXPECT_EQ(FormatParams(1'050'673'152), "1.05 B");
  EXPECT_EQ(FormatParams(18'790'481'920), "18.79 B");
}

TEST(UnitsTest, Seconds) {
  EXPECT_EQ(FormatSeconds(0), "0 s");
  EXPECT_EQ(FormatSeconds(0.0421), "42.1 ms");
  EXPECT_EQ(FormatSeconds(2.5e-5), "25 µs");
  EXPECT_EQ(FormatSeconds(3.25), "3.25 s");
}

}  // namespace
}  // namespace infercost::framework
