// The static pages of `infercost serve` (apps/infercost/static_files.h): a request path reaches
// a file inside the web root and nothing outside it — "..", ".", absolute and backslash paths,
// and symbolic links out of the root are refused.
#include "apps/infercost/static_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace infercost::cli {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("infercost_static_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "web";
    fs::create_directories(root_ / "js");
    std::ofstream(root_ / "index.html") << "<html>index</html>";
    std::ofstream(root_ / "js" / "app.js") << "1;";
    std::ofstream(base_ / "secret.txt") << "secret";
    fs::create_symlink(base_ / "secret.txt", root_ / "link-out.txt");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_, root_;
};

TEST_F(StaticFilesTest, ServesFilesInsideTheRoot) {
  absl::StatusOr<fs::path> index = ResolveStaticPath(root_, "/");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->filename(), "index.html");
  absl::StatusOr<fs::path> js = ResolveStaticPath(root_, "/js/app.js");
  ASSERT_TRUE(js.ok()) << js.status();
  EXPECT_EQ(*ReadStaticFile(*js), "1;");
  EXPECT_EQ(ContentTypeFor(*js), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor(*index), "text/html; charset=utf-8");
  EXPECT_TRUE(ResolveStaticPath(root_, "//js//app.js").ok());  // empty segments are harmless
}

TEST_F(StaticFilesTest, RefusesTraversal) {
  for (const char* path :
       {"/../secret.txt", "/js/../../secret.txt", "/..", "/./index.html", "/js/..", "..",
        "secret.txt", "", "/..\\secret.txt", "\\..\\secret.txt", "/js/..%2f../secret.txt/.."}) {
    absl::StatusOr<fs::path> file = ResolveStaticPath(root_, path);
    EXPECT_FALSE(file.ok()) << path;
    EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument) << path;
  }
  // An absolute path in the request is a path inside the root, not the filesystem's.
  const std::string absolute = (base_ / "secret.txt").string();
  absl::StatusOr<fs::path> file = ResolveStaticPath(root_, absolute);
  EXPECT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  // A NUL cannot cut a path short.
  EXPECT_FALSE(ResolveStaticPath(root_, std::string("/index.html\0.png", 16)).ok());
}

TEST_F(StaticFilesTest, RefusesSymlinksOutOfTheRoot) {
  absl::StatusOr<fs::path> file = ResolveStaticPath(root_, "/link-out.txt");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StaticFilesTest, MissingFilesAndDirectoriesAreNotFound) {
  EXPECT_EQ(ResolveStaticPath(root_, "/nope.html").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveStaticPath(root_, "/js").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveStaticPath(root_, "/js/").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StaticFilesTest, ReadIsBounded) {
  absl::StatusOr<std::string> big = ReadStaticFile(root_ / "index.html", 4);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace infercost::cli
