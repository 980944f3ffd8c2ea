// A serving engine's calibration, as read from an engine preset (presets/engines/*.toml):
// achievable fractions of peak and fixed overheads.
//
//   ASSIGN_OR_RETURN(Engine ideal, LoadEnginePreset("presets/engines/ideal.toml"));
#ifndef INFERCOST_REGISTRY_ENGINE_H_
#define INFERCOST_REGISTRY_ENGINE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "infercost/c/dtype.h"

namespace infercost::registry {

struct Engine {
  std::string name;
  std::string display_name;
  // Other names the preset answers to (`aliases`, lowercased; none shipped): a lookup by any of
  // them finds it.
  std::vector<std::string> aliases;

  // Achievable fraction of peak: eff(size) = efficiency * size / (size + half_size); a half
  // size of 0 makes it size-independent.
  double matmul_efficiency = 1.0;     // fraction of matrix peak reached by large matmuls
  double matmul_half_flops = 0;       // matmul FLOPs at which half of that is reached
  double bandwidth_efficiency = 1.0;  // fraction of HBM bandwidth reached by large transfers
  double bandwidth_half_bytes = 0;    // transfer bytes at which half of that is reached
  bool low_precision_math = false;    // matmuls run in the weight dtype when the device can
  // The fraction of matmul_efficiency the engine's narrow (fp8 / fp4 weights and activations)
  // matmuls reach of the narrow peak, where low_precision_math runs them there: their
  // activations' quantisation, scale epilogues and less tuned kernels (1: as the wide ones).
  double low_precision_matmul_ratio = 1;
  // The fraction of matmul_efficiency the engine's routed-expert matmuls (a mixture-of-experts
  // layer's grouped GEMMs: IC_PHASE_MOE_EXPERTS) reach: its grouped-GEMM kernels, with the
  // tokens' permutation and the experts' uneven loads they carry (1: as a dense GEMM).
  double expert_matmul_ratio = 1;
  // The engine's routed-expert kernels for one weight format of the experts (`[experts.<dtype>]`
  // tables, engine-wide): where the experts' weights are `dtype`, their kernels' fixed time per
  // call (a layer's grouped GEMMs with what runs around them: activation quantisation, token
  // alignment, the scales' handling; replaces kernel_overhead_s for those records) and the
  // fraction of bandwidth_efficiency their weight stream reaches (dequantising in the main loop).
  // E.g. vLLM's fp8 block-scaled and int4 group-scaled (W4A16) fused MoE kernels, slower than its
  // native NVFP4 path on the same model (docs/calibration.md).
  struct ExpertKernels {
    ic_dtype dtype = IC_DTYPE_BF16;
    std::string dtype_name;            // as the table names it
    std::optional<double> overhead_s;  // kernel_overhead_s of those records (unset: the engine's)
    double bandwidth_ratio = 1;
  };
  std::vector<ExpertKernels> expert_kernels;
  // The entry for routed experts of `dtype`, or nullptr.
  const ExpertKernels* ExpertKernelsFor(ic_dtype dtype) const;
  // The fixed time per call of the experts' records `kernels` describes: its own, else the
  // engine's kernel_overhead_s.
  double ExpertKernelOverhead(const ExpertKernels& kernels) const {
    return kernels.overhead_s.value_or(kernel_overhead_s);
  }
  double kernel_overhead_s = 0;     // per kernel launch (per phase, per layer)
  double per_layer_overhead_s = 0;  // per layer per step (framework glue between kernels)
  double per_step_overhead_s = 0;   // per forward step (scheduler, sampling, host sync)
  // The share of the host's work of a step (per_step_overhead_s and per_sequence_overhead_s x
  // batch) the engine hides behind the GPU's previous step (a scheduler that prepares step n+1
  // while step n runs: vLLM's async scheduling, TensorRT-LLM's overlap scheduler); what is left
  // is paid per step: (per_step_overhead_s + per_sequence_overhead_s x batch) x
  // (1 - host_overlap). 0: a synchronous host.
  double host_overlap = 0;
  double runtime_reserve_bytes = 0;  // per GPU, held by the runtime (CUDA context, graphs, ...)
  double reserve_fraction = 0;       // per GPU, fraction of capacity the engine leaves unused
  int64_t max_batched_tokens = 0;    // prefill chunk size bounding activations; 0 = no chunks
  // Serving modes: whether a prompt may be split across steps to fill the token budget (vLLM V1,
  // SGLang: chunked prefill on by default) or is scheduled whole, in the first step whose budget
  // left after the running decodes holds all of it (TensorRT-LLM: enable_chunked_prefill off by
  // default). A prompt longer than the whole budget goes alone, whole.
  bool chunked_prefill = true;
  // How a serving step is built (framework/serving/): "mixed" (decodes plus prompt chunks in the
  // budget left: vLLM, TensorRT-LLM) or "prefill_first" (waiting prompts run alone: SGLang).
  std::string serving_schedule = "mixed";
  // The device the engine-wide values were fitted on (empty: none, e.g. the ideal engine). On a
  // device without a [hardware.<name>] table they move there by the devices' measured
  // efficiencies (framework/calibration.h).
  std::string reference_hardware;
  // Per sequence per step on the host (bookkeeping, sampling metadata, detokenization).
  double per_sequence_overhead_s = 0;
  // Per request, serving and disagg modes (framework/serving/): the serving path's time between a
  // client sending a request and the engine's scheduler (disagg: the router) seeing it, with the
  // first token's way back (HTTP, the API server's tokenisation and admission, detokenising and
  // streaming the token). It adds to the TTFT and to a closed-loop client's cycle, not to the
  // GPU's steps.
  double request_overhead_s = 0;
  // The same where the API server post-processes each response (detokenising, building the
  // streamed chunk) in its main process: a deployment without post-process workers
  // (`postprocess_workers` 0, TensorRT-LLM's default `num_postprocess_workers`). 0: no different
  // from request_overhead_s (an engine whose API server has no such workers to add).
  double main_process_request_overhead_s = 0;
  // The deployment's API-server post-process workers (TensorRT-LLM's num_postprocess_workers; 0,
  // the default, post-processes in the main process).
  double postprocess_workers = 0;
  // The serving path a request of this deployment takes (request_overhead_s, or
  // main_process_request_overhead_s where the main process post-processes and the preset has it).
  double ServingPathSeconds() const {
    return postprocess_workers < 1 && main_process_request_overhead_s > 0
               ? main_process_request_overhead_s
               : request_overhead_s;
  }
  // Serving mode, attention data parallelism (layout.data > 1): the steps a rank holds a new
  // prompt back for the other ranks to have one too, so that every rank prefills in the same step
  // (TensorRT-LLM's attention_dp_config enable_balance / timeout_iters; 0: prompts go at once).
  // A rank with nothing running does not wait, nor does the start-up burst, which gives every
  // rank prompts at once.
  double attention_dp_balance_steps = 0;
  // Serving mode, without attention data parallelism: the engine holds the prompts it would
  // schedule back while requests are decoding, up to batch_wait_timeout_steps steps in a row,
  // until the step's tokens (the scheduled prompts' whole lengths plus one per decoding sequence
  // and drafted token) reach batch_wait_max_tokens_ratio x max_batched_tokens, so that prompts
  // prefill together (TensorRT-LLM's batch_wait_timeout_iters / batch_wait_max_tokens_ratio,
  // PyExecutor._waiting_requests; either 0: prompts go at once).
  double batch_wait_timeout_steps = 0;
  double batch_wait_max_tokens_ratio = 0;
  // Serving mode: the scheduler takes the requests that reached it only every this many
  // decode-only steps, and at once after a step that carried prompt tokens or while idle
  // (SGLang's --scheduler-recv-interval: SchedulerRecvSkipper counts a decode step 1, a prefill
  // step past the threshold; 1: every step).
  double scheduler_recv_interval = 1;
  // The preset carries request_overhead_s (or main_process_request_overhead_s), fitted on served
  // TTFTs: only then is a serving or disagg TTFT of this engine inside a measured error band
  // (framework/error_band.h).
  bool serving_path_measured = false;
  // Decode attention of a paged-attention engine with two kernels (framework/timing/
  // decode_attention.h; vLLM before its V1 engine: vllm/attention/ops/paged_attn.py). Engine-wide:
  // the unpartitioned kernel runs above `split_threshold` sequences x query heads per GPU (0: no
  // switch), or with one `partition_tokens` partition, and only up to `split_max_context`.
  int64_t decode_attention_split_threshold = 0;
  int64_t decode_attention_partition_tokens = 512;
  int64_t decode_attention_split_max_context = 8192;
  // Per device ([hardware.<name>]): the fraction of the calibrated efficiencies the
  // unpartitioned kernel reaches over a context the split kernel would partition (1: the same),
  // and the fraction of grouped-query attention's KV saving the device's caches deliver to the
  // decode attention (1: KV read once per KV head; 0: once per query head).
  double decode_attention_unsplit_efficiency = 1;
  double decode_attention_kv_sharing = 1;
  // Single-block decode attention (framework/timing/decode_attention.h): 1 where the engine walks
  // each sequence's whole context in one thread block per head (TensorRT-LLM 0.10/0.11 with
  // multi_block_mode off, its default then), 0 where it splits long contexts over blocks (the
  // default; TensorRT-LLM >= 1.0). A number that must be 0 or 1, so that a validation row can
  // set it like any other key (ScenarioRequest::engine_settings). Per device: the rate one block
  // streams its head's keys and values (bytes/s; 0: no such floor), and the fraction of
  // grouped-query attention's KV saving the device's caches deliver to that kernel (as
  // decode_attention_kv_sharing, which it replaces while the switch is on).
  double decode_attention_single_block = 0;
  double decode_attention_block_bytes_per_s = 0;
  double decode_attention_block_kv_sharing = 1;
  std::string source;

  // Per-device calibration from `[hardware.<name>]` tables: (key, value) pairs that replace the
  // engine-wide values above on that device.
  struct HardwareOverride {
    std::string hardware;
    std::vector<std::pair<std::string, double>> values;
  };
  std::vector<HardwareOverride> hardware_overrides;

  // This engine as calibrated for `hardware` (the engine-wide values where no override exists).
  Engine ForHardware(const std::string& hardware) const;
  // Whether a [hardware.<hardware>] table sets `key`.
  bool Overrides(const std::string& hardware, const std::string& key) const;
  // Sets `key` (an EngineOverridableKeys key) in the [hardware.<hardware>] table, adding the
  // table or the key as needed; InvalidArgument for another key.
  absl::Status SetOverride(const std::string& hardware, const std::string& key, double value);
  // The value of calibration key `key` (EngineOverridableKeys) of this engine.
  absl::StatusOr<double> CalibrationValue(std::string_view key) const;
  // Sets calibration key `key` of this (resolved) engine to `value`, checked against the key's
  // range as a preset's value is; the error names the engine, the key, the value and the range.
  absl::Status SetCalibrationValue(std::string_view key, double value);
};

// Calibration keys a `[hardware.<name>]` table may override, for messages.
std::vector<std::string> EngineOverridableKeys();
// Keys of an `[experts.<dtype>]` table; CalibrationValue and SetCalibrationValue take them as
// "experts.<dtype>.<key>" (e.g. "experts.fp8.kernel_overhead_s").
std::vector<std::string> ExpertKernelKeys();

// An engine preset may start from another: `base = "<engine name>"` takes every key and table
// of that engine's preset (tables key by key, e.g. one [hardware.<name>] key kept beside another
// this file writes), then this file's, which win; name, display_name and aliases are this file's
// alone. `base_file(name)` gives the file of the preset of that name (empty: none); without it a
// preset that names a base is an error. presets/engines/vllm-0.5.toml starts from vllm.toml.
using EngineFileOf = std::function<std::string(const std::string& name)>;
absl::StatusOr<Engine> LoadEnginePreset(const std::string& path,
                                        const EngineFileOf& base_file = nullptr);
// The same from TOML text; `source_name` stands for the file in messages.
absl::StatusOr<Engine> ParseEnginePreset(std::string_view text, const std::string& source_name,
                                         const EngineFileOf& base_file = nullptr);
// The `name` an engine preset file gives its engine (LoadPresets finds a base by it).
absl::StatusOr<std::string> EnginePresetName(const std::string& path);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_ENGINE_H_
