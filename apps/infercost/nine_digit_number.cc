#include "apps/infercost/nine_digit_number.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace infercost::cli {
namespace {

using u128 = unsigned __int128;

char* ByLibrary(double value, char* out) {
  return std::to_chars(out, out + kNineDigitNumberMaxChars, value, std::chars_format::general, 9)
      .ptr;
}

constexpr int kMostPowerOfFive = 27;  // 5^27 < 2^63
constexpr std::array<uint64_t, kMostPowerOfFive + 1> kPowersOfFive = [] {
  std::array<uint64_t, kMostPowerOfFive + 1> powers{};
  powers[0] = 1;
  for (size_t i = 1; i < powers.size(); ++i) powers[i] = powers[i - 1] * 5;
  return powers;
}();

// 1e-30 .. 1e30, as the compiler rounds the literals: to move an estimated exponent up.
constexpr double kPowersOfTen[] = {
    1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25, 1e-24, 1e-23, 1e-22, 1e-21, 1e-20, 1e-19, 1e-18,
    1e-17, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9,  1e-8,  1e-7,  1e-6,  1e-5,
    1e-4,  1e-3,  1e-2,  1e-1,  1e0,   1e1,   1e2,   1e3,   1e4,   1e5,   1e6,   1e7,   1e8,
    1e9,   1e10,  1e11,  1e12,  1e13,  1e14,  1e15,  1e16,  1e17,  1e18,  1e19,  1e20,  1e21,
    1e22,  1e23,  1e24,  1e25,  1e26,  1e27,  1e28,  1e29,  1e30};
constexpr int kLowestPowerOfTen = -30;

// |value| = mantissa x 2^exponent scaled by 10^k, as quotient + remainder / unit (exactly);
// false where that does not fit in 128 bits here.
struct Scaled {
  u128 quotient = 0;
  u128 remainder = 0;
  u128 unit = 1;
};
bool Scale(uint64_t mantissa, int exponent, int k, Scaled& out) {
  if (k >= 0) {  // mantissa x 5^k x 2^(exponent + k)
    if (k > kMostPowerOfFive) return false;
    const u128 product = static_cast<u128>(mantissa) * kPowersOfFive[k];  // < 2^116
    // (a mantissa of 2^52 or more times 2^shift near 1e8 < 2^27: the shift is negative)
    const int shift = exponent + k;
    if (shift >= 0 || -shift > 126) return false;
    const u128 unit = static_cast<u128>(1) << -shift;
    out = {product >> -shift, product & (unit - 1), unit};
    return true;
  }
  const int p = -k;  // mantissa x 2^(exponent - p) / 5^p
  if (p > kMostPowerOfFive) return false;
  const int shift = exponent - p;
  if (shift >= 0) {
    if (shift > 70) return false;  // 2^53 x 2^70 < 2^128
    const u128 numerator = static_cast<u128>(mantissa) << shift;
    out = {numerator / kPowersOfFive[p], numerator % kPowersOfFive[p], kPowersOfFive[p]};
  } else {
    if (-shift > 64) return false;  // 5^p x 2^64 < 2^128
    const u128 unit = static_cast<u128>(kPowersOfFive[p]) << -shift;
    out = {mantissa / unit, mantissa % unit, unit};
  }
  return true;
}

}  // namespace

char* WriteNineDigitNumber(double value, char* out) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  const int biased_exponent = static_cast<int>((bits >> 52) & 0x7ff);
  if ((bits << 1) == 0) {  // zero: "0" or "-0"
    if ((bits >> 63) != 0) *out++ = '-';
    *out++ = '0';
    return out;
  }
  // Subnormals, infinities and NaN: the library's text.
  if (biased_exponent == 0 || biased_exponent == 0x7ff) return ByLibrary(value, out);
  const uint64_t mantissa = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  const int exponent = biased_exponent - 1075;  // |value| = mantissa x 2^exponent

  // The decimal exponent x (10^x <= |value| < 10^(x+1)): floor(log10(2^(e - 1023))) is x or
  // x - 1; the table moves it up; a miss either way is found below.
  int x = ((biased_exponent - 1023) * 78913) >> 18;
  const int index = x + 1 - kLowestPowerOfTen;
  if (index >= 0 && index < static_cast<int>(std::size(kPowersOfTen)) &&
      std::fabs(value) >= kPowersOfTen[index]) {
    ++x;
  }
  // The nine digits: |value| x 10^(8 - x) = n + remainder, n in [1e8, 1e9).
  Scaled scaled;
  for (int attempt = 0;; ++attempt) {
    if (attempt == 3 || !Scale(mantissa, exponent, 8 - x, scaled)) return ByLibrary(value, out);
    if (scaled.quotient < 100'000'000) {
      --x;
    } else if (scaled.quotient >= 1'000'000'000) {
      ++x;
    } else {
      break;
    }
  }
  uint64_t n = static_cast<uint64_t>(scaled.quotient);
  // Rounded to nearest, ties to even (printf's, on the exact value).
  const u128 twice = scaled.remainder * 2;  // remainder < unit <= 2^127
  if (twice > scaled.unit || (twice == scaled.unit && (n & 1) != 0)) {
    if (++n == 1'000'000'000) {
      n = 100'000'000;
      ++x;
    }
  }
  char digits[9];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  int count = 9;
  while (count > 1 && digits[count - 1] == '0') --count;  // %g drops trailing zeros

  char* o = out;
  if (value < 0) *o++ = '-';
  if (x >= -4 && x < 9) {  // %g's fixed notation
    if (x >= 0) {
      for (int i = 0; i <= x; ++i) *o++ = i < count ? digits[i] : '0';
      if (count > x + 1) {
        *o++ = '.';
        for (int i = x + 1; i < count; ++i) *o++ = digits[i];
      }
    } else {
      *o++ = '0';
      *o++ = '.';
      for (int i = 0; i < -x - 1; ++i) *o++ = '0';
      for (int i = 0; i < count; ++i) *o++ = digits[i];
    }
    return o;
  }
  *o++ = digits[0];  // scientific: d.dddde+XX
  if (count > 1) {
    *o++ = '.';
    for (int i = 1; i < count; ++i) *o++ = digits[i];
  }
  *o++ = 'e';
  *o++ = x < 0 ? '-' : '+';
  int magnitude = x < 0 ? -x : x;
  if (magnitude >= 100) {
    *o++ = static_cast<char>('0' + magnitude / 100);
    magnitude %= 100;
  }
  *o++ = static_cast<char>('0' + magnitude / 10);
  *o++ = static_cast<char>('0' + magnitude % 10);
  return o;
}

}  // namespace infercost::cli
