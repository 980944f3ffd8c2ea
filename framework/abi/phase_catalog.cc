#include "framework/abi/phase_catalog.h"

#include <array>

namespace infercost::framework {
namespace {

struct PhaseInfo {
  std::string_view name;
  ic_section section;
};

// Indexed by ic_phase_id; order must follow the enum in infercost/c/phase.h.
constexpr std::array<PhaseInfo, IC_PHASE_COUNT_V1> kPhases = {{
    {"token_ids", IC_SECTION_VOCABULARY},
    {"embedding", IC_SECTION_VOCABULARY},
    {"attn_norm", IC_SECTION_NORM},
    {"q_proj", IC_SECTION_ATTENTION},
    {"k_proj", IC_SECTION_ATTENTION},
    {"v_proj", IC_SECTION_ATTENTION},
    {"qk_scores", IC_SECTION_ATTENTION},
    {"softmax", IC_SECTION_ATTENTION},
    {"attn_v", IC_SECTION_ATTENTION},
    {"o_proj", IC_SECTION_ATTENTION},
    {"ffn_norm", IC_SECTION_NORM},
    {"ffn_gate", IC_SECTION_FFN},
    {"ffn_up", IC_SECTION_FFN},
    {"ffn_act", IC_SECTION_FFN},
    {"ffn_down", IC_SECTION_FFN},
    {"final_norm", IC_SECTION_NORM},
    {"lm_head", IC_SECTION_VOCABULARY},
    {"sampling", IC_SECTION_VOCABULARY},
    {"q_a_proj", IC_SECTION_ATTENTION},
    {"q_b_proj", IC_SECTION_ATTENTION},
    {"kv_a_proj", IC_SECTION_ATTENTION},
    {"kv_b_proj", IC_SECTION_ATTENTION},
    {"moe_router", IC_SECTION_FFN},
    {"moe_experts", IC_SECTION_FFN},
    {"moe_shared_experts", IC_SECTION_FFN},
    {"attn_all_reduce", IC_SECTION_COMMUNICATION},
    {"ffn_all_reduce", IC_SECTION_COMMUNICATION},
    {"pp_send_recv", IC_SECTION_COMMUNICATION},
    {"ep_dispatch", IC_SECTION_COMMUNICATION},
    {"ep_combine", IC_SECTION_COMMUNICATION},
}};

}  // namespace

bool IsKnownPhase(ic_phase_id id) { return id >= 0 && id < IC_PHASE_COUNT_V1; }

std::string_view PhaseName(ic_phase_id id) {
  return IsKnownPhase(id) ? kPhases[static_cast<size_t>(id)].name : "unknown";
}

std::optional<ic_phase_id> PhaseByName(std::string_view name) {
  for (size_t i = 0; i < kPhases.size(); ++i) {
    if (kPhases[i].name == name) return static_cast<ic_phase_id>(i);
  }
  return std::nullopt;
}

ic_section PhaseSection(ic_phase_id id) {
  return IsKnownPhase(id) ? kPhases[static_cast<size_t>(id)].section : IC_SECTION_ATTENTION;
}

std::string_view SectionName(ic_section section) {
  switch (section) {
    case IC_SECTION_VOCABULARY:
      return "vocabulary";
    case IC_SECTION_NORM:
      return "norm";
    case IC_SECTION_ATTENTION:
      return "attention";
    case IC_SECTION_FFN:
      return "ffn";
    case IC_SECTION_COMMUNICATION:
      return "communication";
  }
  return "unknown";
}

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
                                           IC_PHASE_QK_SCORES,
                                           IC_PHASE_SOFTMAX,
                                           IC_PHASE_ATTN_V,
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
  static_assert(sizeof(kOrder) / sizeof(kOrder[0]) == IC_PHASE_COUNT_V1);
  for (int rank = 0; rank < IC_PHASE_COUNT_V1; ++rank) {
    if (kOrder[rank] == id) return rank;
  }
  return IC_PHASE_COUNT_V1;
}

bool IsAttentionPhase(ic_phase_id id) {
  return IsKnownPhase(id) && PhaseSection(id) == IC_SECTION_ATTENTION;
}

}  // namespace infercost::framework
