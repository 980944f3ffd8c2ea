// Which of several plugins with one kind and name is used (docs/plugin-trust.md), decided from
// the manifests before any library is opened.
//
// The host's own plugin (an in-tree name, in the host's own plugin directory) wins; third-party
// plugins of that name are refused unless the name is overridden (--plugin-override NAME), which
// makes the third-party ones come first (the host's own stays as the fallback). Without a host
// plugin of that name, the third-party ones are tried in search order until one loads.
//
//   Precedence p = DecidePrecedence(candidates, options.overrides);
//   for (const PrecedenceGroup& g : p.groups) for (const PluginCandidate* c : g.order) ...
#ifndef INFERCOST_FRAMEWORK_LOADER_PLUGIN_PRECEDENCE_H_
#define INFERCOST_FRAMEWORK_LOADER_PLUGIN_PRECEDENCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "framework/loader/plugin_manifest.h"

namespace infercost::framework {

struct PluginCandidate {
  PluginManifest manifest;
  bool host_own = false;  // an in-tree name found in the host's own plugin directory
};

struct PrecedenceGroup {
  std::vector<const PluginCandidate*> order;    // tried in this order; the first that loads wins
  std::vector<const PluginCandidate*> refused;  // never opened
  bool overridden = false;                      // --plugin-override named it, and it applied
};

struct Precedence {
  std::vector<PrecedenceGroup> groups;  // in order of first appearance
  std::vector<std::string> warnings;    // overrides that matched no third-party plugin
};

// `candidates` in search order; they must outlive the result.
Precedence DecidePrecedence(const std::vector<PluginCandidate>& candidates,
                            const std::vector<std::string>& overrides);

// Whether `name` is one of the host's own plugins (the in-tree list the build compiled in).
bool IsOwnPluginName(std::string_view name);

// Why `refused` is not used: the host's own plugin of its name wins.
std::string RefusedReason(const PluginCandidate& refused, const PluginCandidate& host_own);
// Why `loser` is not used: `winner`, before it in `group.order`, loaded.
std::string ShadowedReason(const PluginCandidate& loser, const PluginCandidate& winner,
                           const PrecedenceGroup& group);
// Why `winner` is used, for `infercost plugins`.
std::string WhyChosen(const PluginCandidate& winner, const PrecedenceGroup& group);

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_LOADER_PLUGIN_PRECEDENCE_H_
