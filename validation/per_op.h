// Checks the hardware plugin's per-operator times against measured kernels
// (tests/data/validation/per_op/): GEMMs (LLMCompass's cuBLAS matmuls on A100; vidur's QKV, O,
// gate+up and down projections of Llama models on A100 and H100 at TP 1-8) and NCCL all-reduce
// inside one 8-GPU node (vidur). Each operator is costed as the framework costs it - a GEMM
// M x K x N: 2MNK matrix FLOPs, K x N weight bytes, M x (K + N) activation bytes; an all-reduce
// of `size` bytes over n GPUs - and timed by the device's hardware plugin with the engine's
// calibration (framework::StepTimer), without per-layer or per-step engine overheads.
//
//   ASSIGN_OR_RETURN(PerOpValidation v, ValidatePerOp(data_dir, presets, plugins, "vllm"));
//   v.groups;   // median |error| per file (issue 5, point 7: <= 20%)
#ifndef INFERCOST_VALIDATION_PER_OP_H_
#define INFERCOST_VALIDATION_PER_OP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/loader/plugin_loader.h"
#include "registry/presets.h"

namespace infercost::validation {

enum class PerOpKind { kGemm, kAllReduce };

struct PerOpResult {
  std::string source;    // "file:line"
  std::string group;     // "gemm a100-80gb llmcompass_matmul_A100.csv"
  std::string hardware;  // preset
  std::string op;        // "matmul", "attn_pre_proj", ..., "all_reduce"
  std::string shape;     // "M=64 K=12288 N=12288" or "8 GPUs, 2048 B"
  PerOpKind kind = PerOpKind::kGemm;
  double measured_s = 0;
  double predicted_s = 0;
  double relative_error = 0;  // predicted / measured - 1
};

struct PerOpGroup {
  std::string name;  // kind, device and file
  PerOpKind kind = PerOpKind::kGemm;
  int64_t rows = 0;
  double median_abs_error = 0;
  double mean_error = 0;
};

struct PerOpValidation {
  std::vector<PerOpResult> results;
  std::vector<PerOpGroup> groups;  // one per file, in the order read
  double gemm_median_abs_error = 0;
  double all_reduce_median_abs_error = 0;
};

// The files compared, relative to the data directory, with their device preset:
// per_op/llmcompass_matmul_A100.csv (a100-80gb), per_op/a100_meta-llama_Meta-Llama-3-8B_mlp.csv
// (a100-80gb), per_op/h100_meta-llama_Llama-2-7b-hf_mlp.csv (h100-sxm),
// per_op/a100_dgx_all_reduce.csv (a100-80gb), per_op/h100_dgx_all_reduce.csv (h100-sxm).
struct PerOpFile {
  std::string path;
  std::string format;  // llmcompass_matmul, vidur_mlp, vidur_all_reduce
  std::string hardware;
  // The engine calibration the kernels ran under: vllm for the GEMMs (cuBLAS kernels timed
  // back-to-back on the GPU); pytorch for vidur's all-reduce, which times eager
  // torch.distributed.all_reduce calls, each paying the eager dispatch + launch cost that the
  // pytorch preset's kernel_overhead_s (25 us) stands for.
  std::string engine;
};
std::vector<PerOpFile> DefaultPerOpFiles();

// Predicts every row of `files` (paths relative to `data_dir`) with fp16 operands and the
// calibration of `engine` (empty: each file's own) for each file's device. A row that cannot be
// parsed or timed is an error naming file:line. `hardware` non-empty keeps only that device's
// files.
absl::StatusOr<PerOpValidation> ValidatePerOp(const std::string& data_dir,
                                              const std::vector<PerOpFile>& files,
                                              const registry::Presets& presets,
                                              const framework::PluginSet& plugins,
                                              const std::string& engine,
                                              const std::string& hardware = "");

}  // namespace infercost::validation

#endif  // INFERCOST_VALIDATION_PER_OP_H_
