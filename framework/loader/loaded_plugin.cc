#include "framework/loader/loaded_plugin.h"

#include <utility>

#include "infercost/sdk/abi_support.h"

namespace infercost::framework {

LoadedPlugin::LoadedPlugin(std::shared_ptr<void> library, std::unique_ptr<PluginHost> host,
                           const ic_plugin* plugin, void* instance, std::string path,
                           std::vector<std::string> failed_probe_checks,
                           bool checked_before_loading)
    : library_(std::move(library)),
      host_(std::move(host)),
      plugin_(plugin),
      instance_(instance),
      path_(std::move(path)),
      version_(sdk::ReadablePluginText({plugin->version.data, plugin->version.size})),
      vendor_(sdk::ReadablePluginText({plugin->vendor.data, plugin->vendor.size})),
      description_(sdk::ReadablePluginText({plugin->description.data, plugin->description.size})),
      failed_probe_checks_(std::move(failed_probe_checks)),
      checked_before_loading_(checked_before_loading) {}

LoadedPlugin::~LoadedPlugin() {
  if (plugin_->destroy != nullptr && instance_ != nullptr) plugin_->destroy(instance_);
}

std::unique_lock<std::mutex> LoadedPlugin::LockIfNeeded() const {
  if (thread_safe()) return {};
  return std::unique_lock<std::mutex>(call_mutex_);
}

}  // namespace infercost::framework
