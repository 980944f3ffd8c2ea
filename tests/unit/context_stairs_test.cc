// What the host takes from a plugin's declared decode breaks (framework/abi/context_stairs.h):
// the count checked, the staircases kept, a bad declaration named.
#include "framework/abi/context_stairs.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

using ::testing::HasSubstr;

DeclaredStairs Offered() { return DeclaredStairs(kMostDeclaredStaircases); }

TEST(TakeDeclaredStairs, KeepsWhatWasDeclared) {
  DeclaredStairs stairs = Offered();
  stairs[0] = {257, 256, 1};
  stairs[1] = {513, 256, 15};
  absl::StatusOr<bool> known = TakeDeclaredStairs("attention kernel", "flash", 2, stairs);
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_TRUE(*known);
  ASSERT_EQ(stairs.size(), 2u);
  EXPECT_EQ(stairs[1].first, 513);
  EXPECT_EQ(stairs[1].count, 15);
  // None in the range: declared, and empty.
  stairs = Offered();
  known = TakeDeclaredStairs("attention variant", "gqa", 0, stairs);
  ASSERT_TRUE(known.ok());
  EXPECT_TRUE(*known);
  EXPECT_TRUE(stairs.empty());
}

TEST(TakeDeclaredStairs, UnknownOrTooManyLeaveTheSearchToTheHost) {
  DeclaredStairs stairs = Offered();
  absl::StatusOr<bool> known =
      TakeDeclaredStairs("attention kernel", "k", IC_BREAKS_UNKNOWN, stairs);
  ASSERT_TRUE(known.ok());
  EXPECT_FALSE(*known);
  EXPECT_TRUE(stairs.empty());
  stairs = Offered();
  known = TakeDeclaredStairs("attention kernel", "k", kMostDeclaredStaircases + 1, stairs);
  ASSERT_TRUE(known.ok());
  EXPECT_FALSE(*known);
  EXPECT_TRUE(stairs.empty());
}

TEST(TakeDeclaredStairs, ABadDeclarationNamesThePlugin) {
  DeclaredStairs stairs = Offered();
  absl::StatusOr<bool> known = TakeDeclaredStairs("attention kernel", "k", -5, stairs);
  ASSERT_FALSE(known.ok());
  EXPECT_THAT(known.status().message(), HasSubstr("attention kernel k returned -5 staircases"));
  stairs = Offered();
  stairs[0] = {100, 0, 3};
  known = TakeDeclaredStairs("attention variant", "v", 1, stairs);
  ASSERT_FALSE(known.ok());
  EXPECT_THAT(known.status().message(),
              HasSubstr("attention variant v declared a staircase of decode breaks with period 0"));
  EXPECT_TRUE(stairs.empty());
}

}  // namespace
}  // namespace infercost::framework
