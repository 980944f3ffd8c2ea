#include "apps/infercost/serve_command.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "apps/infercost/static_files.h"
#include "apps/infercost/web_api.h"
#include "fmt/format.h"
#include "framework/report/json_text.h"
#include "nlohmann/json.hpp"
#include "registry/search_path.h"

namespace infercost::cli {
namespace {

// The vendored-by-Debian chart library the pages use, served at /vendor/chart.js.
#ifdef INFERCOST_CHARTJS_FILE
constexpr const char* kChartJsFile = INFERCOST_CHARTJS_FILE;
#else
constexpr const char* kChartJsFile = "/usr/share/javascript/chart.js/chart.min.js";
#endif

bool IsLoopbackAddress(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address == "localhost" ||
         absl::StartsWith(address, "127.");
}

void SetJson(httplib::Response& res, const ApiResponse& api) {
  res.status = api.status;
  res.set_content(api.body, "application/json");
}

// An error of the server's as the API writes them: {"error": ...} with `status`.
void SetJsonError(httplib::Response& res, int status, const std::string& message) {
  SetJson(res, {status, framework::JsonText(nlohmann::json{{"error", message}}, 2) + "\n"});
}

void ServeFile(const std::string& file, httplib::Response& res) {
  absl::StatusOr<std::string> bytes = ReadStaticFile(file);
  if (!bytes.ok()) {
    res.status = 404;
    res.set_content("not found\n", "text/plain");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::move(*bytes), ContentTypeFor(file).c_str());
}

}  // namespace

void AddServeFlags(CLI::App& command, ServeFlags& flags) {
  command.add_option("--port", flags.port, "TCP port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command
      .add_option("--bind", flags.bind,
                  "Address to listen on (loopback by default; anything else serves the network)")
      ->capture_default_str();
  command.add_option("--web-dir", flags.web_dir,
                     "Directory of the pages (default: share/infercost/web, or the source "
                     "tree's web/)");
  command.add_option("--threads", flags.threads, "HTTP worker threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command
      .add_option("--search-threads", flags.search_threads, "Threads of one /api/v1/search request")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command
      .add_option("--max-request-bytes", flags.max_request_bytes, "Largest request body accepted")
      ->check(CLI::Range(size_t{1}, size_t{16} << 20))
      ->capture_default_str();
}

std::vector<std::string> WebDirs(const std::string& explicit_dir) {
  registry::SearchPath path;
  if (!explicit_dir.empty()) path.explicit_dirs = {explicit_dir};
  path.environment_variable = "INFERCOST_WEB_PATH";
#ifdef INFERCOST_RELATIVE_WEB_DIR
  path.relative_to_executable = INFERCOST_RELATIVE_WEB_DIR;
#endif
#ifdef INFERCOST_SOURCE_WEB_DIR
  path.build_tree_dir = INFERCOST_SOURCE_WEB_DIR;
#endif
#ifdef INFERCOST_BUILD_ROOT
  path.build_root = INFERCOST_BUILD_ROOT;
#endif
#ifdef INFERCOST_INSTALL_WEB_DIR
  path.install_dir = INFERCOST_INSTALL_WEB_DIR;
#endif
  return registry::ResolveSearchPath(path);
}

bool IsLoopbackHost(const std::string& host, int port) {
  const std::string suffix = fmt::format(":{}", port);
  for (const char* name : {"127.0.0.1", "localhost", "[::1]"}) {
    if (host == name || host == name + suffix) return true;
  }
  return false;
}

// The API's route: /api/v1/ENDPOINT (WebApi::Handle says which endpoints there are). Which
// names an ENDPOINT may have is IsApiPath's one rule: the pre-routing handler answers every other
// path under /api/ with the API's 404 before routing.
constexpr char kApiRoute[] = R"(/api/v1/(.*))";
// Whether `path` is /api/v1/ followed by letters, digits, '_', '.' and '-' only (written out:
// <regex> draws a false maybe-uninitialized warning from GCC 12 under the sanitizers).
bool IsApiPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  for (const char c : path.substr(kPrefix.size())) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

int RunServe(Session& session, const ServeFlags& flags) {
  // SIGINT and SIGTERM go to one thread that stops the server; every other thread (the worker
  // pool, and any the plugin loader starts: threads inherit this mask) has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<const registry::Presets*> presets = session.Presets();
  if (!presets.ok()) return ReportError(presets.status());
  const framework::PluginSet& plugins = session.Plugins();
  const std::vector<std::string> web_dirs = WebDirs(flags.web_dir);
  if (!flags.web_dir.empty() && (web_dirs.empty() || web_dirs.front() != flags.web_dir)) {
    return ReportError(absl::NotFoundError(fmt::format(
        "--web-dir {}: no such directory; name the directory of the pages", flags.web_dir)));
  }
  if (web_dirs.empty()) {
    return ReportError(absl::NotFoundError(
        "no web directory found (share/infercost/web beside the binary, or the source tree's "
        "web/); pass --web-dir DIR"));
  }
  const std::string web_root = web_dirs.front();

  httplib::Server server;
  const size_t threads = static_cast<size_t>(flags.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(flags.max_request_bytes);
  // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let a second server share a port
  // that is in use instead of failing.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
  // client's delayed ACK hold the body back ~40 ms.
  server.set_tcp_nodelay(true);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(2);
  server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"Content-Security-Policy",
                               "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src "
                               "'self' data:"},
                              {"Referrer-Policy", "no-referrer"}});

  std::atomic<bool> stopping{false};  // set on SIGINT / SIGTERM: running searches stop
  const WebApi api(**presets, plugins, flags.search_threads, &stopping);
  const bool loopback = IsLoopbackAddress(flags.bind);
  std::atomic<int> port{0};

  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (loopback && !IsLoopbackHost(req.get_header_value("Host"), port.load())) {
      res.status = 403;
      res.set_content("this server answers only requests addressed to the loopback host\n",
                      "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    // Before any body is read: only GET, HEAD and POST are served; a body comes with its
    // Content-Length (a chunked one would be read whole before --max-request-bytes applies);
    // a path under /api/ that names no endpoint is the API's 404, in JSON.
    if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
      SetJsonError(res, 405, fmt::format("method {} is not served; use GET or POST", req.method));
      res.set_header("Allow", "GET, HEAD, POST");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Transfer-Encoding")) {
      SetJsonError(res, 411,
                   "a chunked request body is not read; send it with a Content-Length (of at most "
                   "--max-request-bytes)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (absl::StartsWith(req.path, "/api/") && !IsApiPath(req.path)) {
      SetJsonError(res, 404,
                   fmt::format("no endpoint {}; the API is /api/v1/ENDPOINT: report, compare, "
                               "search, models, hardware, engines and plugins",
                               req.path.substr(0, 200)));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto api_handler = [&](const httplib::Request& req, httplib::Response& res) {
    ApiParams query(req.params.begin(), req.params.end());
    SetJson(res, api.Handle(req.matches[1], query, req.body));
  };
  server.Get(kApiRoute, api_handler);
  server.Post(kApiRoute, api_handler);
  server.Get("/vendor/chart.js",
             [](const httplib::Request&, httplib::Response& res) { ServeFile(kChartJsFile, res); });
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<std::filesystem::path> file = ResolveStaticPath(web_root, req.path);
    if (!file.ok()) {
      res.status = file.status().code() == absl::StatusCode::kInvalidArgument ? 400 : 404;
      res.set_content(std::string(file.status().message()) + "\n", "text/plain");
      return;
    }
    ServeFile(file->string(), res);
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SetJson(res, ErrorResponse(absl::InternalError("internal error")));
      });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    // Every error the library answers itself (a body or a header too large, a request it cannot
    // read) says what it was, in the API's form.
    SetJsonError(res, res.status,
                 res.status == 413   ? std::string("request body too large")
                 : res.status == 431 ? std::string("request header fields too large")
                 : res.status == 414
                     ? std::string("request URI too long")
                     : fmt::format("the request could not be served (HTTP {})", res.status));
  });

  int bound = flags.port;
  if (flags.port == 0) {
    bound = server.bind_to_any_port(flags.bind);
  } else if (!server.bind_to_port(flags.bind, flags.port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return ReportError(absl::UnavailableError(
        fmt::format("cannot listen on {} port {} (in use, or not an address of this machine)",
                    flags.bind, flags.port)));
  }
  port = bound;
  const std::string host = absl::StrContains(flags.bind, ':') ? "[" + flags.bind + "]" : flags.bind;
  fmt::print("infercost: serving on http://{}:{}/\n", host, bound);
  std::fflush(stdout);
  fmt::print(stderr, "infercost: pages from {}; stop with Ctrl-C\n", web_root);
  if (!loopback) {
    fmt::print(stderr,
               "infercost: warning: --bind {} serves every network that reaches it, without "
               "authentication\n",
               flags.bind);
  }

  std::atomic<bool> listening_done{false}, signalled{false};
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    signalled = !listening_done.load();
    stopping = true;
    // stop() only acts on a running server: wait until listen_after_bind has started.
    while (!server.is_running() && !listening_done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.stop();
  });
  const bool listened = server.listen_after_bind();
  listening_done = true;
  // Wake the stopper if the server ended by itself.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  if (!listened && !signalled.load()) {
    return ReportError(absl::UnavailableError("the server stopped listening"));
  }
  fmt::print(stderr, "infercost: stopped\n");
  return 0;
}

}  // namespace infercost::cli
