// `infercost serve`: the calculator in a browser. An HTTP server (cpp-httplib, a bounded worker
// pool) embedding the framework: the JSON API under /api/v1/ (web_api.h: the CLI's JSON for
// report, compare, search, models, hardware, engines, plugins) and the pages of the web
// directory (the atlas, the calculator, compare, search; web/ in the source tree, installed as
// share/infercost/web). Loopback by default; `--port 0` picks a free port. It prints
// "infercost: serving on http://ADDR:PORT/" on stdout once it listens, and stops cleanly (exit 0)
// on SIGINT or SIGTERM. Plugins and presets are those of the global flags, fixed at start.
//
//   infercost serve --port 8080            # then open http://127.0.0.1:8080/
//   infercost --presets-dir my/presets serve --port 0 --bind 127.0.0.1
#ifndef INFERCOST_APPS_INFERCOST_SERVE_COMMAND_H_
#define INFERCOST_APPS_INFERCOST_SERVE_COMMAND_H_

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "apps/infercost/session.h"

namespace infercost::cli {

struct ServeFlags {
  std::string bind = "127.0.0.1";
  int port = 8080;         // 0: any free port
  std::string web_dir;     // empty: found like the presets (WebDirs)
  int threads = 16;        // HTTP worker threads: each serves one keep-alive connection at a time
  int search_threads = 2;  // threads of one /api/v1/search request
  size_t max_request_bytes = 64 * 1024;  // largest request body accepted (413 above)
};

void AddServeFlags(CLI::App& command, ServeFlags& flags);

// Where the pages are: `explicit_dir`, then $INFERCOST_WEB_PATH, then share/infercost/web
// beside an installed binary, the source tree's web/ (build-tree binaries), the configured
// install directory. Existing directories only, in that order.
std::vector<std::string> WebDirs(const std::string& explicit_dir);

// Whether `host` (a Host header) names the loopback server on `port`: what a page served from
// 127.0.0.1, localhost or [::1] sends. Requests naming another host are refused, so a web page
// elsewhere cannot reach a loopback server through DNS rebinding.
bool IsLoopbackHost(const std::string& host, int port);

int RunServe(Session& session, const ServeFlags& flags);

}  // namespace infercost::cli

#endif  // INFERCOST_APPS_INFERCOST_SERVE_COMMAND_H_
