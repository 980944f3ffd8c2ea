// What GPU time costs: the one place an hourly GPU price becomes dollars per second and per
// million tokens (the summary, disaggregated pools and `infercost search` all use it).
//
//   const double usd_per_s = UsdPerSecond(hardware.price_usd_per_gpu_hour, gpus);
//   UsdPerMillionTokens(usd_per_s, tokens_per_s);  // 0 when no tokens are made
#ifndef INFERCOST_FRAMEWORK_MONEY_H_
#define INFERCOST_FRAMEWORK_MONEY_H_

namespace infercost::framework {

// `gpus` GPUs at `usd_per_gpu_hour` each, per second.
inline double UsdPerSecond(double usd_per_gpu_hour, double gpus) {
  return gpus * usd_per_gpu_hour / 3600;
}

// Dollars per million tokens made at `tokens_per_s` by GPUs costing `usd_per_second`.
inline double UsdPerMillionTokens(double usd_per_second, double tokens_per_s) {
  return tokens_per_s > 0 ? 1e6 * usd_per_second / tokens_per_s : 0;
}

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_MONEY_H_
