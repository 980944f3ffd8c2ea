// The rate that keeps a number of requests in a server (framework/serving/occupancy_rate.h),
// against time-in-server curves whose solution is known in closed form:
//   - a single-server queue, L(x) = 1 / (mu - x) below its capacity mu: x L(x) = n at
//     x = n mu / (1 + n) (mu 10 a second, n 3: 7.5 a second; L there 0.4 s);
//   - a constant time in the server L: x = n / L.
#include "framework/serving/occupancy_rate.h"

#include <cmath>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

struct Measured {
  double latency_s = 0;
};

TEST(OccupancyRate, AQueueNearItsCapacityIsSolvedInsideItsBracket) {
  constexpr double kCapacity = 10;
  int runs = 0;
  const auto queue = [&](double rate) -> absl::StatusOr<Measured> {
    ++runs;
    // Past its capacity a queue grows without end: a run of it measures a long time.
    return Measured{rate < kCapacity ? 1 / (kCapacity - rate) : 1e6};
  };
  for (const double start : {1.0, 5.0, 7.4, 9.9, 30.0}) {
    SCOPED_TRACE(start);
    runs = 0;
    absl::StatusOr<OccupancyRate<Measured>> solved = SolveOccupancyRate(3, start, 0.01, queue);
    ASSERT_TRUE(solved.ok()) << solved.status();
    // |h| <= 0.01 where dh / dlog x = 1 + x / (mu - x) = 4: the rate within 0.25 %, or a bracket
    // of 0.2 %.
    EXPECT_NEAR(solved->rate / 7.5, 1, 0.0026);
    EXPECT_NEAR(solved->state.latency_s, 1 / (kCapacity - solved->rate), 1e-12);
    EXPECT_EQ(solved->runs, runs);
    EXPECT_LE(runs, kMostOccupancyRuns);
  }
}

TEST(OccupancyRate, AConstantTimeInTheServerIsLittlesLaw) {
  const auto constant = [](double) -> absl::StatusOr<Measured> { return Measured{2.0}; };
  // From 1.45 a second (log ratio log(1.45 x 2 / 3) = -0.034): one step of Little's law, x = 3 / 2.
  absl::StatusOr<OccupancyRate<Measured>> solved = SolveOccupancyRate(3, 1.45, 0.001, constant);
  ASSERT_TRUE(solved.ok()) << solved.status();
  EXPECT_NEAR(solved->rate, 1.5, 1e-12);
  EXPECT_EQ(solved->runs, 2);
  EXPECT_NEAR(solved->log_ratio, 0, 1e-12);
}

TEST(OccupancyRate, BadInputAndFailedRunsAreErrorsNotAnswers) {
  const auto constant = [](double) -> absl::StatusOr<Measured> { return Measured{2.0}; };
  EXPECT_EQ(SolveOccupancyRate(0, 1, 0.01, constant).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SolveOccupancyRate(3, -1, 0.01, constant).status().code(),
            absl::StatusCode::kInvalidArgument);
  const auto failing = [](double) -> absl::StatusOr<Measured> {
    return absl::ResourceExhaustedError("too many steps");
  };
  EXPECT_EQ(SolveOccupancyRate(3, 1, 0.01, failing).status().code(),
            absl::StatusCode::kResourceExhausted);
  const auto empty = [](double) -> absl::StatusOr<Measured> { return Measured{0}; };
  absl::StatusOr<OccupancyRate<Measured>> none = SolveOccupancyRate(3, 1, 0.01, empty);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(std::string(none.status().message()).find("latency 0"), std::string::npos);
}

}  // namespace
}  // namespace infercost::framework
