// The host's view of the phase vocabulary (names and sections from the SDK's abi_support.h),
// plus the display order reports use.
//
//   PhaseName(IC_PHASE_QK_SCORES);      // "qk_scores"
//   PhaseSection(IC_PHASE_QK_SCORES);   // IC_SECTION_ATTENTION
//   SectionName(IC_SECTION_FFN);        // "ffn"
#ifndef INFERCOST_FRAMEWORK_ABI_PHASE_CATALOG_H_
#define INFERCOST_FRAMEWORK_ABI_PHASE_CATALOG_H_

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "infercost/c/phase.h"

namespace infercost::framework {

// True for ids this host knows (0 <= id < IC_PHASE_COUNT_V1_1).
bool IsKnownPhase(ic_phase_id id);
// "qk_scores"; "unknown" for unknown ids.
std::string_view PhaseName(ic_phase_id id);
std::optional<ic_phase_id> PhaseByName(std::string_view name);
ic_section PhaseSection(ic_phase_id id);
std::string_view SectionName(ic_section section);
// Sort key for reports: by section (vocabulary, norm, attention, ffn, communication), then in
// the order data flows through a layer.
int PhaseDisplayRank(ic_phase_id id);
// Stable insertion sort of records with a `phase` member by display rank: a ledger has a few
// dozen records, mostly in order already, and this allocates nothing (std::stable_sort takes a
// buffer from the heap).
template <typename Record>
void SortByDisplayRank(std::vector<Record>& records) {
  int previous_rank = records.empty() ? 0 : PhaseDisplayRank(records[0].phase);
  for (size_t i = 1; i < records.size(); ++i) {
    const int rank = PhaseDisplayRank(records[i].phase);
    if (rank >= previous_rank) {  // already in place: nothing to move
      previous_rank = rank;
      continue;
    }
    const Record moving = records[i];
    size_t j = i;
    for (; j > 0 && PhaseDisplayRank(records[j - 1].phase) > rank; --j) records[j] = records[j - 1];
    records[j] = moving;
    previous_rank = PhaseDisplayRank(records[i].phase);
  }
}
// Where each phase's record sits in a list being built (by phase id), so that merging a record
// into its phase's does not search the list; ids past the known ones (which no checked record
// has) are searched for.
template <typename Record>
class PhaseSlots {
 public:
  PhaseSlots() { slots_.fill(-1); }
  // The record of `phase` in `records`, or nullptr.
  Record* Find(std::vector<Record>& records, ic_phase_id phase) const {
    if (phase >= 0 && phase < IC_PHASE_COUNT_V1_1) {
      return slots_[phase] < 0 ? nullptr : &records[static_cast<size_t>(slots_[phase])];
    }
    for (Record& record : records) {
      if (record.phase == phase) return &record;
    }
    return nullptr;
  }
  // Appends `record` (of a phase not in `records` yet) and remembers where.
  Record& Append(std::vector<Record>& records, const Record& record) {
    if (record.phase >= 0 && record.phase < IC_PHASE_COUNT_V1_1) {
      slots_[record.phase] = static_cast<int>(records.size());
    }
    records.push_back(record);
    return records.back();
  }

 private:
  std::array<int, IC_PHASE_COUNT_V1_1> slots_;
};

// Phases an attention-variant plugin may emit (the attention section's phases).
bool IsAttentionPhase(ic_phase_id id);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_ABI_PHASE_CATALOG_H_
