#include "framework/report/units.h"

#include <cmath>

#include "fmt/format.h"

namespace infercost::framework {
namespace {

struct Scale {
  const char* suffix;
  int decimals;
};

// Formats `value` with the largest 1000^k scale not above it; `scales[0]` is for values < 1000.
template <size_t N>
std::string FormatScaled(double value, const char* const zero, const Scale (&scales)[N],
                         const char* separator) {
  if (value == 0) return zero;
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const double magnitude = std::fabs(value);
  size_t index = 0;
  double scaled = value;
  while (index + 1 < N && std::fabs(scaled) >= 1000) {
    scaled /= 1000;
    ++index;
  }
  // Rounding may reach 1000.0 of this unit: show 1.0 of the next instead.
  const double rounded = std::round(std::fabs(scaled) * std::pow(10, scales[index].decimals)) /
                         std::pow(10, scales[index].decimals);
  if (rounded >= 1000 && index + 1 < N) {
    scaled /= 1000;
    ++index;
  }
  if (index == 0 && magnitude == std::floor(magnitude)) {
    return fmt::format("{:.0f}{}{}", value, separator, scales[0].suffix);
  }
  return fmt::format("{:.{}f}{}{}", scaled, scales[index].decimals, separator,
                     scales[index].suffix);
}

}  // namespace

std::string FormatBytes(double bytes) {
  static constexpr Scale kScales[] = {{"B", 1},  {"KB", 1}, {"MB", 1},
                                      {"GB", 1}, {"TB", 1}, {"PB", 1}};
  return FormatScaled(bytes, "0 B", kScales, " ");
}

std::string FormatFlops(double flops) {
  static constexpr Scale kScales[] = {{"", 1}, {"K", 1}, {"M", 1}, {"B", 1}, {"T", 1}};
  std::string text = FormatScaled(flops, "0", kScales, " ");
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string FormatParams(double params) {
  static constexpr Scale kScales[] = {{"", 0}, {"K", 1}, {"M", 1}, {"B", 2}, {"T", 2}};
  std::string text = FormatScaled(params, "0", kScales, " ");
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string FormatSeconds(double seconds) {
  if (seconds == 0) return "0 s";
  if (seconds >= 1) return fmt::format("{:.3g} s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.3g} ms", seconds * 1e3);
  return fmt::format("{:.3g} µs", seconds * 1e6);
}

}  // namespace infercost::framework
