#include "framework/loader/plugin_precedence.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace infercost::framework {
namespace {

const PluginCandidate* HostOwn(const std::vector<const PluginCandidate*>& group) {
  for (const PluginCandidate* c : group) {
    if (c->host_own) return c;
  }
  return nullptr;
}

}  // namespace

bool IsOwnPluginName(std::string_view name) {
#ifdef INFERCOST_OWN_PLUGIN_NAMES
  for (absl::string_view own : absl::StrSplit(INFERCOST_OWN_PLUGIN_NAMES, ',')) {
    if (std::string_view(own.data(), own.size()) == name) return true;
  }
#endif
  return false;
}

Precedence DecidePrecedence(const std::vector<PluginCandidate>& candidates,
                            const std::vector<std::string>& overrides) {
  Precedence result;
  const absl::flat_hash_set<std::string> overridden_names(overrides.begin(), overrides.end());
  absl::flat_hash_set<std::string> overrides_used;
  absl::flat_hash_set<std::pair<int, std::string>> seen;
  for (const PluginCandidate& candidate : candidates) {
    const PluginManifest& m = candidate.manifest;
    if (!seen.insert({static_cast<int>(m.kind), m.name}).second) continue;
    std::vector<const PluginCandidate*> same;
    for (const PluginCandidate& other : candidates) {
      if (other.manifest.kind == m.kind && other.manifest.name == m.name) same.push_back(&other);
    }
    std::vector<const PluginCandidate*> third_party;
    std::copy_if(same.begin(), same.end(), std::back_inserter(third_party),
                 [](const PluginCandidate* c) { return !c->host_own; });
    const PluginCandidate* own = HostOwn(same);
    PrecedenceGroup group;
    group.overridden = overridden_names.contains(m.name) && !third_party.empty();
    if (group.overridden) {
      overrides_used.insert(m.name);
      group.order = third_party;
      if (own != nullptr) group.order.push_back(own);
    } else if (own != nullptr) {
      group.order = {own};
      group.refused = third_party;
    } else {
      group.order = third_party;
    }
    // A second copy in another host directory (rare): after the first, as a fallback.
    for (const PluginCandidate* c : same) {
      if (c->host_own && c != own) group.order.push_back(c);
    }
    result.groups.push_back(std::move(group));
  }
  for (const std::string& name : overrides) {
    if (!overrides_used.contains(name)) {
      result.warnings.push_back(fmt::format(
          "--plugin-override {}: no plugin named '{}' outside the host's own plugin directory "
          "was found; nothing is overridden",
          name, name));
    }
  }
  return result;
}

std::string RefusedReason(const PluginCandidate& refused, const PluginCandidate& host_own) {
  const PluginManifest& m = refused.manifest;
  return fmt::format(
      "duplicate {} plugin '{}': the host's own plugin ({}) wins; pass --plugin-override {} to "
      "use this one instead",
      PluginKindName(m.kind), m.name, host_own.manifest.library_path, m.name);
}

std::string ShadowedReason(const PluginCandidate& loser, const PluginCandidate& winner,
                           const PrecedenceGroup& group) {
  const PluginManifest& m = loser.manifest;
  if (group.overridden && loser.host_own) {
    return fmt::format("the host's own {} plugin '{}' is overridden by {} (--plugin-override {})",
                       PluginKindName(m.kind), m.name, winner.manifest.library_path, m.name);
  }
  return fmt::format("duplicate {} plugin '{}': {} comes first in the search path and wins",
                     PluginKindName(m.kind), m.name, winner.manifest.library_path);
}

std::string WhyChosen(const PluginCandidate& winner, const PrecedenceGroup& group) {
  if (winner.host_own) {
    return group.overridden ? "the host's own plugin (the overriding plugin did not load)"
                            : "the host's own plugin";
  }
  const bool replaces_host =
      group.overridden && std::any_of(group.order.begin(), group.order.end(),
                                      [](const PluginCandidate* c) { return c->host_own; });
  if (replaces_host) {
    return fmt::format("third-party; replaces the host's own '{}' (--plugin-override {})",
                       winner.manifest.name, winner.manifest.name);
  }
  return "third-party";
}

}  // namespace infercost::framework
