// The JSON API of `infercost serve` (/api/v1/...), without the HTTP: an endpoint name, its
// parameters and body in, a status code and the CLI's own JSON text out. Every endpoint builds
// its JSON with the function the CLI's `--format json` prints (ReportJson, CompareJson,
// SearchJson, ModelsJson, HardwareJson, EnginesJson, PluginsJson), and parses its parameters
// with the CLI's parsers, so errors carry the CLI's messages. Bad input is 400 with
// {"error": message}; an unknown endpoint 404. The presets and plugins are the server's, fixed
// when it starts; nothing here reads a file or loads a plugin. Thread-safe (const, and the
// framework only reads presets and plugins).
//
//   WebApi api(presets, plugins);
//   ApiResponse r = api.Handle("report", {{"model", "llama-3-8b"}, {"gpus", "1"}}, "");
//   // r.status == 200, r.body == `infercost report --format json --model llama-3-8b --gpus 1`
#ifndef INFERCOST_APPS_INFERCOST_WEB_API_H_
#define INFERCOST_APPS_INFERCOST_WEB_API_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "apps/infercost/api_args.h"
#include "framework/loader/plugin_loader.h"
#include "registry/presets.h"

namespace infercost::cli {

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON text
};

// The response for a failed request: 400 for bad input (what the CLI exits 2 for), else 500.
ApiResponse ErrorResponse(const absl::Status& status);

class WebApi {
 public:
  // `search_threads`: worker threads of one /search request (<= 0: one per core). A /search
  // request's evaluations stop with a 400 past kSearchTimeLimitSeconds, and when `stop` (the
  // server's, set as it shuts down) is set.
  static constexpr double kSearchTimeLimitSeconds = 30;
  WebApi(const registry::Presets& presets, const framework::PluginSet& plugins,
         int search_threads = 1, const std::atomic<bool>* stop = nullptr)
      : presets_(presets), plugins_(plugins), search_threads_(search_threads), stop_(stop) {}

  // `endpoint`: what follows /api/v1/ (report, compare, search, models, hardware, engines,
  // plugins).
  ApiResponse Handle(const std::string& endpoint, const ApiParams& query,
                     const std::string& body) const;

 private:
  ApiResponse Report(const ApiParams& query, const std::string& body) const;
  ApiResponse Compare(const ApiParams& query, const std::string& body) const;
  ApiResponse Search(const ApiParams& query, const std::string& body) const;

  const registry::Presets& presets_;
  const framework::PluginSet& plugins_;
  int search_threads_;
  const std::atomic<bool>* stop_;
};

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_WEB_API_H_
