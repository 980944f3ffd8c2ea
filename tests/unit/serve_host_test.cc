// `infercost serve` answers a loopback-bound request only when its Host header names the
// loopback server (apps/infercost/serve_command.h: IsLoopbackHost), so a page elsewhere cannot
// reach it through DNS rebinding.
#include "apps/infercost/serve_command.h"
#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

TEST(ServeHostTest, LoopbackNamesWithAndWithoutThePort) {
  for (const char* host :
       {"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.1", "localhost", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackHost(host, 8080)) << host;
  }
}

TEST(ServeHostTest, OtherHostsAndPortsAreRefused) {
  for (const char* host :
       {"evil.example", "evil.example:8080", "127.0.0.1:8081", "localhost.evil.example:8080",
        "127.0.0.1.nip.io:8080", "", "127.0.0.1:8080 ", "0.0.0.0:8080", "10.0.0.1:8080"}) {
    EXPECT_FALSE(IsLoopbackHost(host, 8080)) << host;
  }
}

}  // namespace
}  // namespace infercost::cli
