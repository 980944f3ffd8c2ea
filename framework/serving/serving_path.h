// The serving path (serving and disagg modes): a request reaches the engine's scheduler (disagg:
// the router) the engine's serving path (Engine::ServingPathSeconds) after its client sent it
// (HTTP, the API server's tokenisation and admission; registry/engine.h). Requests on the way are
// held here, the first to arrive on top (of two at once, the one sent first); the one place that
// delay is added.
//
//   ServingPath<Request> path(scenario.engine.ServingPathSeconds());
//   path.Send(now, request);
//   if (!path.empty()) next_event = std::min(next_event, path.NextAt());
//   path.Deliver(now, [&](Request r) { waiting.push_back(r); });
#ifndef INFERCOST_FRAMEWORK_SERVING_SERVING_PATH_H_
#define INFERCOST_FRAMEWORK_SERVING_SERVING_PATH_H_

#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

namespace infercost::framework {

template <typename T>
class ServingPath {
 public:
  explicit ServingPath(double overhead_s) : overhead_s_(overhead_s) {}

  // A request its client sent at `sent_s`.
  void Send(double sent_s, T item) {
    on_the_way_.push(OnTheWay{sent_s + overhead_s_, sent_s, sends_++, std::move(item)});
  }
  bool empty() const { return on_the_way_.empty(); }
  // When the next request reaches the server (not empty()).
  double NextAt() const { return on_the_way_.top().at_s; }
  // Hands `deliver` every request that has reached the server by `now_s`, in order.
  template <typename Receive>
  void Deliver(double now_s, Receive&& deliver) {
    while (!on_the_way_.empty() && on_the_way_.top().at_s <= now_s) {
      deliver(on_the_way_.top().item);
      on_the_way_.pop();
    }
  }

 private:
  struct OnTheWay {
    double at_s;
    double sent_s;
    int64_t order;  // sends before it: equal requests keep the order they were sent in
    T item;
  };
  struct ArrivesLater {
    bool operator()(const OnTheWay& a, const OnTheWay& b) const {
      if (a.at_s != b.at_s) return a.at_s > b.at_s;
      if (a.sent_s != b.sent_s) return a.sent_s > b.sent_s;
      return a.order > b.order;
    }
  };
  double overhead_s_;
  int64_t sends_ = 0;
  std::priority_queue<OnTheWay, std::vector<OnTheWay>, ArrivesLater> on_the_way_;
};

}  // namespace infercost::framework

#endif  // INFERCOST_FRAMEWORK_SERVING_SERVING_PATH_H_
