#include "framework/parallelism.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace infercost::framework {
namespace {

// TP sizes that split the heads evenly (the attention plugin checks K/V heads too).
bool SplitsHeads(const registry::Model& model, int64_t tp) {
  return model.num_attention_heads % tp == 0;
}

// Up to 12 (TP, PP, DP) layouts of `gpus` that split the model, for messages.
std::string ValidLayouts(const registry::Model& model, int64_t gpus) {
  std::vector<std::string> layouts;
  for (int64_t tp = 1; tp <= gpus && layouts.size() < 12; ++tp) {
    if (gpus % tp != 0 || !SplitsHeads(model, tp)) continue;
    for (int64_t pp = 1; pp <= gpus / tp && layouts.size() < 12; ++pp) {
      if ((gpus / tp) % pp != 0 || pp > model.num_layers) continue;
      layouts.push_back(fmt::format("--tp {} --pp {} --dp {}", tp, pp, gpus / tp / pp));
    }
  }
  return layouts.empty() ? "none" : absl::StrJoin(layouts, "; ");
}

std::string ValidExpertParallel(const registry::Model& model, int64_t group) {
  std::vector<std::string> sizes;
  for (int64_t ep = 1; ep <= group; ++ep) {
    if (group % ep == 0 && model.moe->num_experts % ep == 0) sizes.push_back(std::to_string(ep));
  }
  return absl::StrJoin(sizes, ", ");
}

}  // namespace

absl::StatusOr<Parallelism> ResolveParallelism(const ParallelismRequest& r,
                                               const registry::Model& model) {
  if (r.gpus < 1 || r.gpus > kMaxParallelDegree) {
    return absl::InvalidArgumentError(
        fmt::format("--gpus = {} is out of range; allowed: 1..{}", r.gpus, kMaxParallelDegree));
  }
  for (const auto& [flag, value] : {std::pair{"--pp", r.pp}, std::pair{"--dp", r.dp},
                                    std::pair{"--ep", r.ep}, std::pair{"--tp", r.tp}}) {
    if (value < 0 || (value == 0 && std::string(flag) != "--tp")) {
      return absl::InvalidArgumentError(
          fmt::format("{} = {} must be a positive number of GPUs", flag, value));
    }
    // Every degree is at most the GPU count, so no product of degrees below can overflow.
    if (value > r.gpus) {
      return absl::InvalidArgumentError(
          fmt::format("{} = {} exceeds --gpus {}; a parallel degree cannot exceed the GPU count",
                      flag, value, r.gpus));
    }
  }
  Parallelism p;
  p.pipeline = r.pp;
  p.data = r.dp;
  p.expert = r.ep;
  if (r.tp == 0) {
    if (r.gpus % (r.pp * r.dp) != 0) {
      return absl::InvalidArgumentError(fmt::format(
          "--gpus {} is not a multiple of --pp {} x --dp {}; valid layouts for {} GPUs: {}", r.gpus,
          r.pp, r.dp, r.gpus, ValidLayouts(model, r.gpus)));
    }
    p.tensor = r.gpus / (r.pp * r.dp);
  } else {
    p.tensor = r.tp;
  }
  if (p.tensor * p.pipeline * p.data != r.gpus) {
    return absl::InvalidArgumentError(fmt::format(
        "--tp {} x --pp {} x --dp {} = {} GPUs, but --gpus is {}; valid layouts for {} GPUs: {}",
        p.tensor, p.pipeline, p.data, p.tensor * p.pipeline * p.data, r.gpus, r.gpus,
        ValidLayouts(model, r.gpus)));
  }
  if (!SplitsHeads(model, p.tensor)) {
    // Without --tp the degree came from --gpus: say so, or the message names a flag never given.
    const std::string tensor =
        r.tp != 0
            ? fmt::format("--tp {}", p.tensor)
            : fmt::format("tensor parallel {} (--gpus {} / (--pp {} x --dp {}); no --tp given)",
                          p.tensor, r.gpus, r.pp, r.dp);
    return absl::InvalidArgumentError(fmt::format(
        "{} does not divide the {} attention heads of {}; valid layouts for {} GPUs: {}", tensor,
        model.num_attention_heads, model.name, r.gpus, ValidLayouts(model, r.gpus)));
  }
  if (p.pipeline > model.num_layers) {
    return absl::InvalidArgumentError(
        fmt::format("--pp {} exceeds the {} layers of {}; a stage needs at least one layer",
                    p.pipeline, model.num_layers, model.name));
  }
  if (p.expert > 1) {
    if (!model.moe) {
      return absl::InvalidArgumentError(fmt::format(
          "--ep {}: {} has no experts; expert parallelism needs a MoE model (use --ep 1)", p.expert,
          model.name));
    }
    if (p.MoeGroup() % p.expert != 0 || model.moe->num_experts % p.expert != 0) {
      return absl::InvalidArgumentError(
          fmt::format("--ep {} must divide both TP x DP = {} and the {} experts of {}; valid: {}",
                      p.expert, p.MoeGroup(), model.moe->num_experts, model.name,
                      ValidExpertParallel(model, p.MoeGroup())));
    }
  }
  return p;
}

}  // namespace infercost::framework
