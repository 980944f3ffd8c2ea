// `infercost validate --suite aic|per-op`: the aiconfigurator serving TPOT rows and the
// per-operator GEMM / all-reduce rows (issue 5, point 7), every row's error and the per-group
// medians.
#ifndef INFERCOST_APPS_INFERCOST_VALIDATE_SUITES_H_
#define INFERCOST_APPS_INFERCOST_VALIDATE_SUITES_H_

#include <string>

#include "apps/infercost/session.h"
#include "validation/row_estimate.h"

namespace infercost::cli {

// `data`: the CSV (aic) or the directory holding per_op/ (per-op). `engine`, `model`,
// `hardware`: filters (preset names; empty = all). For per-op, `engine` overrides each file's
// calibration (vllm for GEMMs, pytorch for all-reduce) and `model` is ignored.
// `assume`: speculative decoding every selected row is taken to have run (the data does not say).
int RunValidateAic(Session& session, const std::string& data, const std::string& engine,
                   const std::string& model, const std::string& hardware, const std::string& mode,
                   const validation::RowAssumption& assume = {});
int RunValidatePerOp(Session& session, const std::string& data_dir, const std::string& engine,
                     const std::string& hardware);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_VALIDATE_SUITES_H_
