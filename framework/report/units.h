// The explainer's display rules for numbers (calculator-spec §3):
//   bytes  — decimal units B, KB, MB, GB, TB, PB with one decimal; zero is "0 B"
//   FLOPs  — K, M, B, T with one decimal; zero is "0"
//   params — two decimals at B (and T), one decimal at K and M; zero is "0"
//
//   FormatBytes(5'368'709'120);   // "5.4 GB"
//   FormatFlops(983'040'000);     // "983.0 M"
//   FormatParams(655'360);        // "655.4 K"
#ifndef INFERCOST_FRAMEWORK_REPORT_UNITS_H_
#define INFERCOST_FRAMEWORK_REPORT_UNITS_H_

#include <string>

namespace infercost::framework {

std::string FormatBytes(double bytes);
std::string FormatFlops(double flops);
std::string FormatParams(double params);
// Seconds as s / ms / µs with three significant digits.
std::string FormatSeconds(double seconds);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_REPORT_UNITS_H_
