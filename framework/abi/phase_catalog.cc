#include "framework/abi/phase_catalog.h"

#include <array>

#include "infercost/sdk/abi_support.h"

namespace infercost::framework {

// The names and sections live in the SDK's abi_support.h (one table for host, plugins, kit).
bool IsKnownPhase(ic_phase_id id) { return sdk::IsKnownPhase(id); }

std::string_view PhaseName(ic_phase_id id) {
  return IsKnownPhase(id) ? sdk::PhaseName(id) : "unknown";
}

std::optional<ic_phase_id> PhaseByName(std::string_view name) {
  for (ic_phase_id id = 0; id < IC_PHASE_COUNT_V1_1; ++id) {
    if (sdk::PhaseName(id) == name) return id;
  }
  return std::nullopt;
}

ic_section PhaseSection(ic_phase_id id) { return sdk::PhaseSection(id); }

std::string_view SectionName(ic_section section) { return sdk::SectionName(section); }

int PhaseDisplayRank(ic_phase_id id) {
  static constexpr ic_phase_id kOrder[] = {IC_PHASE_TOKEN_IDS,
                                           IC_PHASE_EMBEDDING,
                                           IC_PHASE_LM_HEAD,
                                           IC_PHASE_SAMPLING,
                                           IC_PHASE_ATTN_NORM,
                                           IC_PHASE_FFN_NORM,
                                           IC_PHASE_FINAL_NORM,
                                           IC_PHASE_Q_A_PROJ,
                                           IC_PHASE_Q_B_PROJ,
                                           IC_PHASE_Q_PROJ,
                                           IC_PHASE_KV_A_PROJ,
                                           IC_PHASE_KV_B_PROJ,
                                           IC_PHASE_K_PROJ,
                                           IC_PHASE_V_PROJ,
                                           IC_PHASE_LINEAR_IN_PROJ,
                                           IC_PHASE_SHORT_CONV,
                                           IC_PHASE_INDEXER_PROJ,
                                           IC_PHASE_INDEXER_SCORES,
                                           IC_PHASE_QK_SCORES,
                                           IC_PHASE_SOFTMAX,
                                           IC_PHASE_ATTN_V,
                                           IC_PHASE_STATE_UPDATE,
                                           IC_PHASE_OUTPUT_GATE,
                                           IC_PHASE_O_PROJ,
                                           IC_PHASE_MOE_ROUTER,
                                           IC_PHASE_FFN_GATE,
                                           IC_PHASE_FFN_UP,
                                           IC_PHASE_FFN_ACT,
                                           IC_PHASE_FFN_DOWN,
                                           IC_PHASE_MOE_EXPERTS,
                                           IC_PHASE_MOE_SHARED_EXPERTS,
                                           IC_PHASE_ATTN_ALL_REDUCE,
                                           IC_PHASE_FFN_ALL_REDUCE,
                                           IC_PHASE_PP_SEND_RECV,
                                           IC_PHASE_EP_DISPATCH,
                                           IC_PHASE_EP_COMBINE};
  static_assert(sizeof(kOrder) / sizeof(kOrder[0]) == IC_PHASE_COUNT_V1_1);
  // Sorting the ledger asks for ranks often: invert the order once into a table by id.
  static constexpr auto kRankById = [] {
    std::array<int, IC_PHASE_COUNT_V1_1> rank{};
    for (int r = 0; r < IC_PHASE_COUNT_V1_1; ++r) rank[kOrder[r]] = r;
    return rank;
  }();
  if (id < 0 || id >= IC_PHASE_COUNT_V1_1) return IC_PHASE_COUNT_V1_1;
  return kRankById[id];
}

bool IsAttentionPhase(ic_phase_id id) { return sdk::IsAttentionPhase(id); }

}  // namespace infercost::framework
