// Scratch files for tests: each test writes the small inputs it needs into
// its own folder under GoogleTest's temporary directory.
#ifndef LRSWEEP_TESTS_SUPPORT_TEMP_FILES_H_
#define LRSWEEP_TESTS_SUPPORT_TEMP_FILES_H_

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace lrsweep::testing {

// Returns an empty folder named after the running test, created afresh.
inline std::string TestFolder() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path folder = std::filesystem::path(::testing::TempDir()) /
                                 "lrsweep" / info->test_suite_name() / info->name();
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder.string();
}

// Writes `contents` to `name` in the test's folder and returns its path.
inline std::string WriteTestFile(const std::string& name, const std::string& contents) {
  static std::string folder;
  static const ::testing::TestInfo* owner = nullptr;
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  if (owner != info) {
    folder = TestFolder();
    owner = info;
  }
  const std::string path = folder + "/" + name;
  std::ofstream file(path, std::ios::binary);
  file << contents;
  EXPECT_TRUE(file.good()) << "cannot write " << path;
  return path;
}

}  // namespace lrsweep::testing

#endif  // LRSWEEP_TESTS_SUPPORT_TEMP_FILES_H_
