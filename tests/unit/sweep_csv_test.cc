// The sweep's CSV numbers (apps/infercost/sweep_command.h: AppendSweepNumber, through
// nine_digit_number.h) are written without a format string per number, and must read exactly as
// fmt's "{:.9g}" (what the sweep wrote them with before) for every double.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "apps/infercost/sweep_command.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

void ExpectAsFmt(double value) {
  std::string out = "x,";
  AppendSweepNumber(value, out);
  EXPECT_EQ(out, fmt::format("x,{:.9g},", value)) << "bits " << std::hex << [&] {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, 8);
    return bits;
  }();
}

TEST(SweepCsvTest, NumbersReadAsFmtsNineDigitG) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double v :
       {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 2.0 / 3, 1e-4, 9.99999999e-5, 1e-5, 1e9, 999999999.0,
        999999999.5, 1e15, 1e16, 1e300, 5e-324, 2.2250738585072014e-308,
        std::numeric_limits<double>::max(), kInf, -kInf, std::numeric_limits<double>::quiet_NaN(),
        3.52775127e+10, 0.0125233895, 0.527173051, 123456789012.0, 0.000123456789,
        // Exact ties at the ninth digit round to even: 100000000 and 100000002.
        100000000.5, 100000001.5, 1234567890.5, 0.1234567885, 9.9999999949999, 9.99999999500001,
        1e-30, 1e27, 1e28}) {
    ExpectAsFmt(v);
  }
  std::mt19937_64 random(13);
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t bits = random();
    double v = 0;
    std::memcpy(&v, &bits, 8);
    ExpectAsFmt(v);  // any bit pattern: every exponent, subnormals, NaNs
    // Values like a sweep's: seconds, rates, bytes, dollars.
    ExpectAsFmt(std::ldexp(static_cast<double>(bits >> 11), -53) *
                std::pow(10.0, static_cast<int>(bits % 24) - 8));
    ExpectAsFmt(static_cast<double>(bits % 100'000'000'000));
    // Exact binary fractions near nine digits: ties and near-ties.
    ExpectAsFmt(static_cast<double>(100'000'000 + bits % 900'000'000) + 0.5);
    ExpectAsFmt(
        std::ldexp(static_cast<double>(bits % 2'000'000'001), -static_cast<int>(bits % 40)));
  }
}

}  // namespace
}  // namespace infercost::cli
