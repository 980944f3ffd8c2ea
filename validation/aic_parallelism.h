// The parallelism an aiconfigurator silicon row really ran with. Part of the source's dump
// (ai-dynamo/aiconfigurator silicon samples; the "2026_04_06_*" runs and the "db-dump" ones)
// writes a run of N GPUs launched as "TP N, EP M" with N x M GPUs: tp_size (or
// attention_dp_size) x ... = N x M, moe_tp_size = N, moe_ep_size = M. The run's id says what was
// launched ("..._c4_tp8_ep8_920": 8 GPUs; tp_size 64, moe_tp 8, moe_ep 8 written), and the
// rows' batch sizes agree (batch_size x attention_dp_size = silicon_concurrency on 64 "ranks").
//
//   AicParallelism run = RunParallelism(id, {.tp = 64, .attention_dp = 1, .moe_tp = 8,
//                                            .moe_ep = 8});   // {8, 1, 1, 8}
#ifndef INFERCOST_VALIDATION_AIC_PARALLELISM_H_
#define INFERCOST_VALIDATION_AIC_PARALLELISM_H_

#include <cstdint>
#include <string_view>

namespace infercost::validation {

// One aggregated run's parallel sizes, as aiconfigurator writes them: tp_size x
// attention_dp_size GPUs, their MoE layers split moe_tp_size x moe_ep_size ways.
struct AicParallelism {
  int64_t tp = 1;
  int64_t attention_dp = 1;
  int64_t moe_tp = 1;
  int64_t moe_ep = 1;
  bool operator==(const AicParallelism&) const = default;
};

// The sizes the run had. Where the id names the launch ("_tp<N>_ep<M>", "_tp<N>_0_ep<M>_0";
// "epnone" is M = 1) and the written GPUs are N x M != N, the run had N GPUs: the written
// attention TP (or DP, whichever is not 1; vLLM's rows write TP N and DP M: DP is then 1) shrinks
// to N, experts split M ways (moe_tp N / M). Where the id names no launch, the two written shapes
// of such a squared run are read the same way: moe_tp = moe_ep = N > 1 on N x N GPUs (TensorRT-LLM
// and SGLang), or tp = attention_dp = N > 1 with moe_tp 1 and moe_ep N x N (vLLM). Anything else
// is returned as written.
AicParallelism RunParallelism(std::string_view id, const AicParallelism& written);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_AIC_PARALLELISM_H_
