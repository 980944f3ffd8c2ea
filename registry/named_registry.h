// A set of presets keyed by name: lookups whose errors list the allowed names. A preset also
// answers to its aliases (another preset's name or alias cannot be one).
//
//   NamedRegistry<Model> models("model");
//   RETURN_IF_ERROR(models.Add(std::move(model)));
//   ASSIGN_OR_RETURN(const Model* m, models.Find("llama-3-70b"));
#ifndef INFERCOST_REGISTRY_NAMED_REGISTRY_H_
#define INFERCOST_REGISTRY_NAMED_REGISTRY_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"

namespace infercost::registry {

// T needs `std::string name`, `std::vector<std::string> aliases` (lowercase) and
// `std::string source`.
template <typename T>
class NamedRegistry {
 public:
  explicit NamedRegistry(std::string kind) : kind_(std::move(kind)) {}

  // Adds `item`; a second item of the same name, or a name or alias that is already another
  // item's name or alias, is an error naming both sources.
  absl::Status Add(T item) {
    if (const T* existing = FindOrNull(item.name); existing && existing->name == item.name) {
      return absl::AlreadyExistsError(absl::StrCat(item.source, ": ", kind_, " '", item.name,
                                                   "' is already defined in ", existing->source,
                                                   "; rename one of them"));
    }
    std::vector<std::string> names = {item.name};
    names.insert(names.end(), item.aliases.begin(), item.aliases.end());
    for (const std::string& name : names) {
      const T* existing = FindOrNull(name);
      if (existing == nullptr) continue;
      const std::string what = name == item.name
                                   ? absl::StrCat("the name of ", kind_, " '", item.name, "'")
                                   : absl::StrCat("an alias of ", kind_, " '", item.name, "'");
      return absl::AlreadyExistsError(
          absl::StrCat(item.source, ": '", name, "' (", what, ") already names ", kind_, " '",
                       existing->name, "' (", existing->source, "); remove it from one of them"));
    }
    auto at = std::lower_bound(items_.begin(), items_.end(), item.name,
                               [](const T& a, const std::string& b) { return a.name < b; });
    items_.insert(at, std::move(item));
    return absl::OkStatus();
  }

  // The item named `name` (any case), else the one with that alias.
  const T* FindOrNull(std::string_view name) const {
    const std::string lower = absl::AsciiStrToLower(std::string(name));
    for (const T& item : items_) {
      if (item.name == lower) return &item;
    }
    for (const T& item : items_) {
      if (std::find(item.aliases.begin(), item.aliases.end(), lower) != item.aliases.end()) {
        return &item;
      }
    }
    return nullptr;
  }

  // For tools that derive presets (e.g. a calibration fit on a copy); nullptr when absent.
  T* FindMutableOrNull(std::string_view name) {
    return const_cast<T*>(static_cast<const NamedRegistry*>(this)->FindOrNull(name));
  }

  absl::StatusOr<const T*> Find(std::string_view name) const {
    if (const T* item = FindOrNull(name)) return item;
    return absl::NotFoundError(absl::StrCat("unknown ", kind_, " '", std::string(name),
                                            "'; allowed: ", absl::StrJoin(Names(), ", ")));
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const T& item : items_) names.push_back(item.name);
    return names;
  }

  const std::vector<T>& items() const { return items_; }
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  std::vector<T> items_;  // sorted by name
};

}  // namespace infercost::registry

#endif  // INFERCOST_REGISTRY_NAMED_REGISTRY_H_
