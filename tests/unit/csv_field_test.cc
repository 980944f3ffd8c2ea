// framework::CsvField: the one CSV quoting `compare`, `sweep` and `search` use (RFC 4180).
#include "framework/report/text_table.h"

#include "gtest/gtest.h"

namespace infercost::framework {
namespace {

TEST(CsvField, QuotesOnlyWhatNeedsItAndDoublesQuotes) {
  EXPECT_EQ(CsvField("llama-3-8b"), "llama-3-8b");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
}

}  // namespace
}  // namespace infercost::framework
