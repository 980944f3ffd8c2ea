// A number a decode-sum hook gives one record (its time on the device), written as a function of
// the record's timed fields: calls x (overhead + the largest of a few affine pieces of them). It
// holds for the records whose timed fields are zero and positive where the record it was made
// for has them so (the hardware ABI 1.5 ic_time_model). With it the sum values a record at any
// step from the record's own affine form, without asking the hardware plugin at each step.
// The sum reads it through DecodeAttentionBasis::Along (one line per piece along the steps);
// the time of one record from an ic_time_model is sdk::ModelTime.
//
//   RecordValueModel model;   // filled by the hook (StepTimer::TimeModels)
#ifndef INFERCOST_FRAMEWORK_LEDGER_RECORD_VALUE_MODEL_H_
#define INFERCOST_FRAMEWORK_LEDGER_RECORD_VALUE_MODEL_H_

#include <array>
#include <cstdint>

#include "infercost/c/phase.h"

namespace infercost::framework {

struct RecordValueModel {
  // The fields a piece weighs, in this order (a record's comm_bytes are timed as collectives).
  static constexpr std::array<double ic_phase_cost::*, 6> kFields = {
      &ic_phase_cost::matrix_flops,   &ic_phase_cost::vector_flops,
      &ic_phase_cost::weight_bytes,   &ic_phase_cost::kv_read_bytes,
      &ic_phase_cost::kv_write_bytes, &ic_phase_cost::activation_bytes};
  static constexpr int kMostPieces = 4;

  struct Piece {
    double constant = 0;
    std::array<double, kFields.size()> per_unit{};  // per unit of each of kFields
  };

  double calls = 1;     // the value is calls x one record's
  double overhead = 0;  // added to the largest piece
  int pieces = 0;       // 1 .. kMostPieces
  std::array<Piece, kMostPieces> piece{};
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LEDGER_RECORD_VALUE_MODEL_H_
