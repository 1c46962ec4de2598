// The LIBSVM loader (declared in loaders.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/file_reader.h"
#include "engine/label_encoding.h"
#include "engine/loaders.h"
#include "util/status_macros.h"

namespace lrsweep::engine {
namespace {

// One nonzero feature: row, zero-based column and value.
struct Entry {
  Eigen::Index row;
  Eigen::Index column;
  double value;
};

struct LibsvmRows {
  std::vector<Entry> entries;
  std::vector<std::string> label_texts;
  std::vector<int64_t> line_numbers;
  Eigen::Index max_column = -1;
};

absl::Status ParseEntry(absl::string_view path, int64_t line, absl::string_view token,
                        Eigen::Index row, Eigen::Index num_features,
                        LibsvmRows* rows) {
  const size_t colon = token.find(':');
  int64_t index = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(token.substr(0, colon), &index)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", line, ": '", token, "' is not an index:value pair"));
  }
  if (index < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", line, ": feature index ", index,
        " is invalid; LIBSVM indices start at 1"));
  }
  if (num_features > 0 && index > num_features) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", line, ": feature index ", index, " exceeds the ", num_features,
        " features of the training file"));
  }

  const absl::string_view text = token.substr(colon + 1);
  double value = 0;
  if (!ParseDouble(text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", line, ": feature ", index, ": value '", text,
        "' is not a number"));
  }
  if (!std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", line, ": feature ", index, ": value '", text,
        "' is not finite; features must be finite numbers"));
  }
  const Eigen::Index column = static_cast<Eigen::Index>(index - 1);
  rows->entries.push_back({row, column, value});
  rows->max_column = std::max(rows->max_column, column);
  return absl::OkStatus();
}

absl::Status ParseLine(absl::string_view path, int64_t line, absl::string_view text,
                       Eigen::Index num_features, LibsvmRows* rows) {
  const std::vector<absl::string_view> tokens =
      absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  const auto row = static_cast<Eigen::Index>(rows->label_texts.size());
  for (size_t i = 1; i < tokens.size(); ++i) {
    RETURN_IF_ERROR(ParseEntry(path, line, tokens[i], row, num_features, rows));
  }
  rows->label_texts.emplace_back(tokens[0]);
  rows->line_numbers.push_back(line);
  return absl::OkStatus();
}

absl::StatusOr<LibsvmRows> ParseLines(absl::string_view path, absl::string_view contents,
                                      Eigen::Index num_features) {
  LibsvmRows rows;
  int64_t line = 0;
  for (absl::string_view text : absl::StrSplit(contents, '\n')) {
    ++line;
    const size_t comment = text.find('#');
    if (comment != absl::string_view::npos) text = text.substr(0, comment);
    text = absl::StripAsciiWhitespace(text);
    if (text.empty()) continue;
    RETURN_IF_ERROR(ParseLine(path, line, text, num_features, &rows));
  }
  return rows;
}

}  // namespace

absl::StatusOr<Dataset> LoadLibsvm(absl::string_view path, const LoadOptions& options) {
  ASSIGN_OR_RETURN(std::string contents, ReadFileContents(path));
  ASSIGN_OR_RETURN(LibsvmRows rows, ParseLines(path, contents, options.num_features));
  if (rows.label_texts.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no examples; the file has no non-blank line"));
  }

  const Eigen::Index num_features =
      options.num_features > 0 ? options.num_features : rows.max_column + 1;
  if (num_features == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no feature appears in any line"));
  }
  ASSIGN_OR_RETURN(EncodedLabels labels,
                   EncodeLabels(path, rows.label_texts, rows.line_numbers,
                                options.labels, options.classes));

  FeatureMatrix features =
      FeatureMatrix::Zero(static_cast<Eigen::Index>(rows.label_texts.size()), num_features);
  for (const Entry& entry : rows.entries) {
    features(entry.row, entry.column) = entry.value;
  }
  return Dataset::Create(std::string(path), std::move(features),
                         std::move(labels.values), std::move(labels.class_names));
}

}  // namespace lrsweep::engine
