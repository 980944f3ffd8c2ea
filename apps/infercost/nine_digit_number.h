// printf's "%.9g" of a double (what the sweep's CSV writes), about twice as fast as
// std::to_chars(general, 9): the nine digits come from exact integer arithmetic on the double's
// bits, for the magnitudes a sweep's metrics have (about 1e-30 .. 1e27); other magnitudes,
// subnormals, infinities and NaN go through std::to_chars. The same text as printf for every
// double.
//
//   char text[kNineDigitNumberMaxChars];
//   out.append(text, WriteNineDigitNumber(value, text));
#ifndef INFERCOST_APPS_INFERCOST_NINE_DIGIT_NUMBER_H_
#define INFERCOST_APPS_INFERCOST_NINE_DIGIT_NUMBER_H_

#include <cstddef>

namespace infercost::cli {

inline constexpr size_t kNineDigitNumberMaxChars = 32;

// Writes `value` as "%.9g" at `out` (room for kNineDigitNumberMaxChars), returns the end.
char* WriteNineDigitNumber(double value, char* out);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_NINE_DIGIT_NUMBER_H_
