// What the host makes of a plugin's text and errors: sdk::ReadablePluginText (any bytes in,
// valid UTF-8 without control characters out, capped), and ConsumeError of a pointer the host
// never made.
#include <string>

#include "framework/abi/host_services.h"
#include "gtest/gtest.h"
#include "infercost/sdk/abi_support.h"

namespace infercost {
namespace {

using sdk::ReadablePluginText;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(ReadablePluginText, ValidTextComesBackUnchanged) {
  for (const std::string text : {"", "plain", "two\nlines\tand a tab", "Grüße, 日本, 🚀 (U+1F680)",
                                 "\xF4\x8F\xBF\xBF" /* U+10FFFF, the last code point */}) {
    EXPECT_EQ(ReadablePluginText(text), text);
  }
}

TEST(ReadablePluginText, EachByteThatIsNotUtf8BecomesOneReplacement) {
  const std::string r(kReplacement);
  EXPECT_EQ(ReadablePluginText("0.9.\xFF"), "0.9." + r);
  EXPECT_EQ(ReadablePluginText("a\x80z"), "a" + r + "z");            // lone continuation
  EXPECT_EQ(ReadablePluginText("\xC3"), r);                          // cut short
  EXPECT_EQ(ReadablePluginText("\xC0\xAF"), r + r);                  // overlong '/'
  EXPECT_EQ(ReadablePluginText("\xED\xA0\x80"), r + r + r);          // a surrogate
  EXPECT_EQ(ReadablePluginText("\xF4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
  EXPECT_EQ(ReadablePluginText("\xE2\x82"
                               "x"),
            r + r + "x");  // 3-byte, cut
}

TEST(ReadablePluginText, ControlCharactersButNewlineAndTabAreReplaced) {
  const std::string r(kReplacement);
  // ESC [ 2 J (clear the screen), a NUL, DEL and U+009B (the 8-bit CSI) as UTF-8.
  EXPECT_EQ(ReadablePluginText(std::string("a\x1B[2J", 5) + std::string(1, '\0') + "\x7F\xC2\x9B"),
            "a" + r + "[2J" + r + r + r);
}

TEST(ReadablePluginText, LongTextIsCutAtACharacterAndCounted) {
  // 3,000 two-byte characters (6,000 bytes): 2,048 fit in 4,096 bytes; 1,904 bytes are left.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "\xC3\xA9";  // é
  const std::string readable = ReadablePluginText(text);
  std::string expected;
  for (int i = 0; i < 2048; ++i) expected += "\xC3\xA9";
  EXPECT_EQ(readable, expected + " ... (1904 more bytes)");
  EXPECT_EQ(ReadablePluginText("abcdef", 4), "abcd ... (2 more bytes)");
}

TEST(HostErrors, AnErrorTheHostDidNotMakeIsReportedNotRead) {
  // A pointer into memory the host never handed out: ConsumeError must not read it.
  ic_error* forged = reinterpret_cast<ic_error*>(static_cast<uintptr_t>(0x10));
  const absl::Status status = framework::ConsumeError(forged, "hardware plugin x: phase ffn_down");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "hardware plugin x: phase ffn_down: the plugin returned an ic_error that the host did "
            "not make, or one returned before (a made-up, freed or uninitialised pointer); return "
            "only what host->make_error gave, once");
}

TEST(HostErrors, AnErrorIsConsumedOnceItsTextMadeReadable) {
  ic_error* error = framework::MakeHostError(IC_STATUS_NOT_FOUND, "no such device \xFF");
  const absl::Status first = framework::ConsumeError(error, "plugin p");
  EXPECT_EQ(first.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(first.message(), "plugin p: no such device \xEF\xBF\xBD");
  // Returned again (a plugin that keeps its errors): the host knows it is gone.
  EXPECT_EQ(framework::ConsumeError(error, "plugin p").code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace infercost
