#include "validation/aic_disagg_layouts.h"

#include <algorithm>

#include "fmt/format.h"
#include "framework/base/status_macros.h"
#include "validation/csv_table.h"
#include "validation/measured_names.h"

namespace infercost::validation {
namespace {

absl::StatusOr<bool> CsvSwitch(const CsvRow& row, int column, const std::string& what) {
  const std::string& field = row.fields[column];
  if (field == "true") return true;
  if (field == "false") return false;
  return absl::InvalidArgumentError(
      fmt::format("{}: {} = '{}'; write true or false", row.source, what, field));
}

// The pool a row's run had, as an AicRow pool: attention DP spreads a worker's GPUs over ranks.
void Describe(const DisaggLayout::Pool& from, AicRow::Pool& to) {
  to.workers = from.workers;
  to.tp = from.attention_dp ? 1 : from.tp;
  to.attention_dp = from.attention_dp ? from.tp : 1;
  to.moe_ep = from.ep;
}

}  // namespace

absl::StatusOr<std::vector<DisaggLayout>> ParseDisaggLayouts(const std::string& text,
                                                             const std::string& name) {
  ASSIGN_OR_RETURN(CsvTable table, ParseCsvTable(text, name, /*has_header=*/true));
  struct Columns {
    int backend, system, precision, isl, osl, concurrency, speculative, drafts;
  } c{};
  ASSIGN_OR_RETURN(c.backend, table.Column("backend"));
  ASSIGN_OR_RETURN(c.system, table.Column("system"));
  ASSIGN_OR_RETURN(c.precision, table.Column("precision"));
  ASSIGN_OR_RETURN(c.isl, table.Column("isl"));
  ASSIGN_OR_RETURN(c.osl, table.Column("osl"));
  ASSIGN_OR_RETURN(c.concurrency, table.Column("concurrency"));
  ASSIGN_OR_RETURN(c.speculative, table.Column("speculative"));
  ASSIGN_OR_RETURN(c.drafts, table.Column("drafts"));
  struct PoolColumns {
    int workers, tp, ep, attention_dp;
  } pools[2]{};
  const char* prefixes[2] = {"prefill_", "decode_"};
  for (int p = 0; p < 2; ++p) {
    const std::string prefix = prefixes[p];
    ASSIGN_OR_RETURN(pools[p].workers, table.Column(prefix + "workers"));
    ASSIGN_OR_RETURN(pools[p].tp, table.Column(prefix + "tp"));
    ASSIGN_OR_RETURN(pools[p].ep, table.Column(prefix + "ep"));
    ASSIGN_OR_RETURN(pools[p].attention_dp, table.Column(prefix + "attention_dp"));
  }
  std::vector<DisaggLayout> layouts;
  for (const CsvRow& r : table.rows) {
    DisaggLayout l;
    l.backend = r.fields[c.backend];
    l.system = r.fields[c.system];
    l.precision = r.fields[c.precision];
    ASSIGN_OR_RETURN(l.isl, CsvInt(r, c.isl, "isl", 0));
    ASSIGN_OR_RETURN(l.osl, CsvInt(r, c.osl, "osl", 0));
    ASSIGN_OR_RETURN(l.concurrency, CsvInt(r, c.concurrency, "concurrency", 0));
    ASSIGN_OR_RETURN(const bool speculative, CsvSwitch(r, c.speculative, "speculative"));
    ASSIGN_OR_RETURN(l.drafts,
                     CsvInt(r, c.drafts, "drafts", speculative ? DisaggLayout::kUnknownDrafts : 0));
    if (l.drafts < DisaggLayout::kUnknownDrafts || (!speculative && l.drafts != 0) ||
        (speculative && l.drafts == 0)) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: speculative = {}, drafts = {}; a speculative point drafts 1 or more tokens (empty "
          "where its recipe does not say), a plain one 0",
          r.source, speculative, r.fields[c.drafts]));
    }
    for (int p = 0; p < 2; ++p) {
      DisaggLayout::Pool& pool = p == 0 ? l.prefill : l.decode;
      const std::string prefix = prefixes[p];
      ASSIGN_OR_RETURN(pool.workers, CsvInt(r, pools[p].workers, prefix + "workers", 0));
      ASSIGN_OR_RETURN(pool.tp, CsvInt(r, pools[p].tp, prefix + "tp", 0));
      ASSIGN_OR_RETURN(pool.ep, CsvInt(r, pools[p].ep, prefix + "ep", 0));
      ASSIGN_OR_RETURN(pool.attention_dp,
                       CsvSwitch(r, pools[p].attention_dp, prefix + "attention_dp"));
      if (pool.workers <= 0 || pool.tp <= 0 || pool.ep <= 0) {
        return absl::InvalidArgumentError(
            fmt::format("{}: {}workers, {}tp and {}ep must be positive integers", r.source, prefix,
                        prefix, prefix));
      }
    }
    if (l.isl <= 0 || l.osl <= 0 || l.concurrency <= 0) {
      return absl::InvalidArgumentError(
          fmt::format("{}: isl, osl and concurrency must be positive integers", r.source));
    }
    layouts.push_back(std::move(l));
  }
  return layouts;
}

absl::StatusOr<std::vector<DisaggLayout>> ReadDisaggLayouts(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadCsvText(path));
  return ParseDisaggLayouts(text, path);
}

int64_t ApplyDisaggLayouts(const std::vector<DisaggLayout>& layouts, std::vector<AicRow>& rows) {
  // Devices compared as devices ("b200_sxm" and "B200" are one).
  std::vector<std::string> layout_devices;
  layout_devices.reserve(layouts.size());
  for (const DisaggLayout& l : layouts) layout_devices.push_back(DeviceName(l.system));
  int64_t filled = 0;
  for (AicRow& row : rows) {
    if (row.mode != "disagg" || !row.inferencex || AicPoolsDescribed(row)) continue;
    const std::string row_device = DeviceName(row.system);
    // The run's possible layouts: those of its deployment whose pools' TP are the row's. The
    // dump's EP is not matched: it writes some pools' EP otherwise than the config launched them
    // (4 or 1 for 8, 8 for 1; two runs of one key 2x apart in TPOT written alike).
    std::vector<AicRow::Layout> possible;
    for (size_t i = 0; i < layouts.size(); ++i) {
      const DisaggLayout& l = layouts[i];
      if (l.backend != row.backend || layout_devices[i] != row_device ||
          l.precision != row.precision || l.isl != row.isl || l.osl != row.osl ||
          l.concurrency != row.batch_size || l.prefill.tp != row.prefill.tp ||
          l.decode.tp != row.decode.tp) {
        continue;
      }
      // A speculative point whose recipe does not say how deep is predicted plain.
      AicRow::Layout layout{row.prefill, row.decode, std::max<int64_t>(l.drafts, 0)};
      Describe(l.prefill, layout.prefill);
      Describe(l.decode, layout.decode);
      if (std::find(possible.begin(), possible.end(), layout) == possible.end()) {
        possible.push_back(layout);
      }
    }
    if (possible.size() > 1) {
      // Which of them ran is not known (a speculative and a plain run, or other pools, are
      // written alike): each is possible.
      row.possible_layouts = std::move(possible);
      continue;
    }
    if (possible.empty()) continue;
    row.prefill = possible.front().prefill;
    row.decode = possible.front().decode;
    row.recipe_drafts = possible.front().drafts;
    ++filled;
  }
  return filled;
}

}  // namespace infercost::validation
