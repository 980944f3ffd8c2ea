// The disaggregated deployments InferenceX ran, for the aiconfigurator rows of those runs that do
// not say how many workers each pool had. InferenceX's master configuration
// (SemiAnalysisAI/InferenceX .github/configs/nvidia-master.yaml) lists each multi-node config's
// prefill and decode pools per concurrency: workers, TP, EP, attention DP; a copy of its
// disaggregated entries (DeepSeek-R1 on B200, B300, GB200, GB300, H100, H200; gpt-oss-120b on
// GB200) is tests/data/validation/inferencex_disagg_layouts.csv. The model is not matched: the
// dump names some DeepSeek-R1 runs DeepSeek-V3 (one architecture), and no two models' layouts in
// the file share an engine, device, precision, lengths, concurrency and TPs (a test holds it).
// aiconfigurator's dump of the runs writes each pool's TP and EP but neither its workers nor its
// attention DP (regime "disagg-1x1" where no layout says them: predicted with one worker each).
//
//   ASSIGN_OR_RETURN(std::vector<DisaggLayout> layouts, ReadDisaggLayouts(path));
//   const int64_t filled = ApplyDisaggLayouts(layouts, rows);
#ifndef INFERCOST_VALIDATION_AIC_DISAGG_LAYOUTS_H_
#define INFERCOST_VALIDATION_AIC_DISAGG_LAYOUTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "validation/aic_serving.h"

namespace infercost::validation {

// The layouts' file name; ReadAicServingCsv applies the file of that name beside the rows' file.
inline constexpr char kInferenceXDisaggLayoutsFile[] = "inferencex_disagg_layouts.csv";

// One search-space point of a disaggregated config, as the master configuration states it.
struct DisaggLayout {
  std::string backend;  // the row's backend: trtllm (framework dynamo-trt), sglang (dynamo-sglang)
  std::string system;   // the row's system: b200_sxm, gb200_sxm, ... (matched as a device:
                        // validation::DeviceName, "b200_sxm" as "B200")
  std::string precision;  // fp4, fp8
  int64_t isl = 0;
  int64_t osl = 0;
  int64_t concurrency = 0;
  struct Pool {
    int64_t workers = 0;
    int64_t tp = 1;  // GPUs per worker (with attention DP: its ranks)
    int64_t ep = 1;
    bool attention_dp = false;
  };
  Pool prefill, decode;
  // Tokens the point's decode pool drafts a step (speculative decoding; 0 for a plain point): the
  // N of a TensorRT-LLM recipe file's `_mtpN`, an SGLang recipe's speculative-num-steps (EAGLE with
  // top-k 1); kUnknownDrafts where the config calls the point speculative but its recipe does not
  // say how deep.
  static constexpr int64_t kUnknownDrafts = -1;
  int64_t drafts = 0;
};

// Reads the layouts file (columns by header name: backend, system, precision, isl, osl,
// concurrency, speculative, drafts (empty where the recipe does not say), prefill_workers,
// prefill_tp, prefill_ep, prefill_attention_dp, decode_workers, decode_tp, decode_ep,
// decode_attention_dp; others, such as `config`, `config_file` and `model`, are for its readers);
// errors name the file, the line and the column (a plain point with drafts among them).
absl::StatusOr<std::vector<DisaggLayout>> ParseDisaggLayouts(const std::string& text,
                                                             const std::string& name);
absl::StatusOr<std::vector<DisaggLayout>> ReadDisaggLayouts(const std::string& path);

// Gives each InferenceX disaggregated row without its pools' worker counts (!AicPoolsDescribed)
// the layout its run had: a layout is a point's pools and drafts (a speculative point whose recipe
// does not say how deep: plain), and the row's possible layouts are those of the points of its
// engine, device, precision, lengths and concurrency whose prefill and decode TP are the row's.
// Their EP is not matched: the dump writes some pools' EP otherwise than the config launched them
// (4 or 1 for 8, 8 for 1), and runs of one key 2x apart in TPOT alike. One possible layout fills
// the row (its pools, a pool with attention DP as tp 1 x attention_dp ranks, and
// AicRow::recipe_drafts its drafts); several, which of them ran not being known (a speculative
// and a plain run, or runs of other pools, are written alike), become AicRow::possible_layouts
// (regime "disagg-any-of"); none leave the row as it is ("disagg-1x1"). Returns how many rows it
// filled.
int64_t ApplyDisaggLayouts(const std::vector<DisaggLayout>& layouts, std::vector<AicRow>& rows);

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_AIC_DISAGG_LAYOUTS_H_
