// All presets (models, hardware, engines) loaded from preset directories.
//
// Each directory holds models/, hardware/ and engines/ with one TOML file per preset. Directories
// are searched in priority order; a name defined in an earlier directory hides the same name in
// a later one (so a user's directory can override a shipped preset), while two files of the
// same name inside one directory are an error.
//
//   ASSIGN_OR_RETURN(Presets presets, LoadPresets(DefaultPresetDirs({"/my/presets"})));
//   ASSIGN_OR_RETURN(const Model* model, presets.models.Find("llama-3-70b"));
#ifndef INFERCOST_REGISTRY_PRESETS_H_
#define INFERCOST_REGISTRY_PRESETS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "registry/engine.h"
#include "registry/error_bands.h"
#include "registry/hardware.h"
#include "registry/hf_config.h"
#include "registry/model.h"
#include "registry/named_registry.h"

namespace infercost::registry {

struct Presets {
  NamedRegistry<Model> models{"model"};
  NamedRegistry<Hardware> hardware{"hardware"};
  NamedRegistry<Engine> engines{"engine"};
  // hf-import.toml of the first directory that has one: how config.json imports name variants.
  std::optional<HfVariantNames> hf_variant_names;
  // error-bands.toml of the first directory that has one: the measured error of each regime.
  std::shared_ptr<const ErrorBands> error_bands;
};

// Search order: `explicit_dirs`, then $INFERCOST_PRESET_PATH (':'-separated), then the presets
// of the source tree this binary was built from (only for binaries inside its build tree), then
// the install prefix; a binary installed as <prefix>/bin/X uses <prefix>/share/infercost/presets
// instead of the last two. Missing ones skipped.
std::vector<std::string> DefaultPresetDirs(const std::vector<std::string>& explicit_dirs);

// Loads every preset of `dirs`; the first malformed file is an error naming file, line and key.
absl::StatusOr<Presets> LoadPresets(const std::vector<std::string>& dirs);

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_PRESETS_H_
