// Renders a scenario's estimate for people (an aligned terminal table), for programs (JSON, schema
// in docs/report-schema.md) and for spreadsheets (CSV, one row per stage and phase): the
// whole-model per-phase ledger, per-GPU phase times, and the summary (time, memory, money).
//
//   fmt::print("{}", RenderLedgerTable(scenario, estimate));
//   std::string json = RenderLedgerJson(scenario, estimate);
#ifndef INFERCOST_FRAMEWORK_REPORT_LEDGER_REPORT_H_
#define INFERCOST_FRAMEWORK_REPORT_LEDGER_REPORT_H_

#include <string>

#include "framework/estimate.h"
#include "framework/ledger/ledger.h"
#include "framework/scenario.h"

namespace infercost::framework {

std::string RenderLedgerTable(const Scenario& scenario, const Estimate& estimate);
std::string RenderLedgerJson(const Scenario& scenario, const Estimate& estimate);
std::string RenderLedgerCsv(const Scenario& scenario, const Estimate& estimate);

// Total HBM bytes of a record: weights + KV read + KV written + activations.
double TotalBytes(const ic_phase_cost& cost);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_REPORT_LEDGER_REPORT_H_
