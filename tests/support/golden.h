// Loading of the golden files in tests/golden/, which scripts in that folder
// write from a reference implementation (PyTorch 1.13 from Debian's
// python3-torch). Tests read the JSON only and need no Python.
#ifndef LRSWEEP_TESTS_SUPPORT_GOLDEN_H_
#define LRSWEEP_TESTS_SUPPORT_GOLDEN_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace lrsweep::testing {

// Parses the JSON file at `path` (relative to the source tree root, where
// ctest runs the tests) into a Struct. Fails the test if it cannot.
inline google::protobuf::Struct LoadGoldenJson(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file.good()) << "cannot open golden file " << path;
  std::stringstream text;
  text << file.rdbuf();
  google::protobuf::Struct golden;
  auto status = google::protobuf::util::JsonStringToMessage(text.str(), &golden);
  EXPECT_TRUE(status.ok()) << path << ": " << status.ToString();
  return golden;
}

// Reads a JSON list of numbers.
inline std::vector<double> NumberList(const google::protobuf::Value& value) {
  std::vector<double> numbers;
  for (const auto& item : value.list_value().values()) {
    numbers.push_back(item.number_value());
  }
  return numbers;
}

}  // namespace lrsweep::testing

#endif  // LRSWEEP_TESTS_SUPPORT_GOLDEN_H_
