// The CSV loader (declared in loaders.h).
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/file_reader.h"
#include "engine/label_encoding.h"
#include "engine/loaders.h"
#include "util/status_macros.h"

namespace lrsweep::engine {
namespace {

// Splits one CSV line into trimmed fields, undoing double-quote escaping.
// Returns false if a quoted field is not closed on this line.
bool SplitCsvLine(absl::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        field.push_back(c);
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->emplace_back(absl::StripAsciiWhitespace(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  fields->emplace_back(absl::StripAsciiWhitespace(field));
  return !quoted;
}

// One non-blank line of the file with its 1-based line number.
struct Line {
  absl::string_view text;
  int64_t number;
};

// Returns the non-blank lines of `contents`, without line terminators.
std::vector<Line> NonBlankLines(absl::string_view contents) {
  std::vector<Line> lines;
  int64_t number = 0;
  while (!contents.empty()) {
    ++number;
    size_t end = contents.find('\n');
    absl::string_view text = contents.substr(0, end);
    contents = end == absl::string_view::npos ? absl::string_view()
                                              : contents.substr(end + 1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!absl::StripAsciiWhitespace(text).empty()) lines.push_back({text, number});
  }
  return lines;
}

// Finds the label column in `header`: by name first, then by zero-based
// index. Empty `column` selects the last column.
absl::StatusOr<size_t> FindLabelColumn(absl::string_view path,
                                       const std::vector<std::string>& header,
                                       int64_t header_line, absl::string_view column) {
  if (column.empty()) return header.size() - 1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) return i;
  }
  size_t index = 0;
  if (absl::SimpleAtoi(column, &index)) {
    if (index < header.size()) return index;
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", header_line, ": label column index ", index,
        " is out of range; the header has ", header.size(), " columns"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ":", header_line, ": label column '", column,
      "' not found in the header (columns: ", absl::StrJoin(header, ", "), ")"));
}

// Rows read from the data lines, before the labels are encoded.
struct CsvRows {
  std::vector<double> features;  // row by row
  std::vector<std::string> label_texts;
  std::vector<int64_t> line_numbers;
};

absl::Status ParseDataLine(absl::string_view path, const Line& line,
                           const std::vector<std::string>& header, size_t label,
                           std::vector<std::string>* fields, CsvRows* rows) {
  if (!SplitCsvLine(line.text, fields)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", line.number, ": quoted field is not closed"));
  }
  if (fields->size() != header.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", line.number, ": row has ", fields->size(), " fields, expected ",
        header.size(), " as in the header"));
  }
  for (size_t i = 0; i < fields->size(); ++i) {
    const std::string& field = (*fields)[i];
    if (i == label) {
      rows->label_texts.push_back(field);
      continue;
    }
    double value = 0;
    if (!ParseDouble(field, &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line.number, ": column '", header[i], "': value '", field,
          "' is not a number"));
    }
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line.number, ": column '", header[i], "': value '", field,
          "' is not finite; features must be finite numbers"));
    }
    rows->features.push_back(value);
  }
  rows->line_numbers.push_back(line.number);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Dataset> LoadCsv(absl::string_view path, const LoadOptions& options) {
  ASSIGN_OR_RETURN(std::string contents, ReadFileContents(path));
  const std::vector<Line> lines = NonBlankLines(contents);
  if (lines.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": file is empty; expected a header row"));
  }

  std::vector<std::string> header;
  if (!SplitCsvLine(lines[0].text, &header)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", lines[0].number, ": quoted field is not closed"));
  }
  if (header.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", lines[0].number, ": header has ", header.size(),
        " column; expected at least one feature column and the label column"));
  }
  ASSIGN_OR_RETURN(size_t label, FindLabelColumn(path, header, lines[0].number,
                                                 options.label_column));

  CsvRows rows;
  std::vector<std::string> fields;
  for (size_t i = 1; i < lines.size(); ++i) {
    RETURN_IF_ERROR(ParseDataLine(path, lines[i], header, label, &fields, &rows));
  }
  if (rows.label_texts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no data rows after the header on line ", lines[0].number));
  }

  ASSIGN_OR_RETURN(EncodedLabels labels,
                   EncodeLabels(path, rows.label_texts, rows.line_numbers,
                                options.labels, options.classes));
  const auto num_rows = static_cast<Eigen::Index>(rows.label_texts.size());
  const auto num_features = static_cast<Eigen::Index>(header.size() - 1);
  FeatureMatrix features =
      Eigen::Map<const FeatureMatrix>(rows.features.data(), num_rows, num_features);
  std::vector<std::string> feature_names = header;
  feature_names.erase(feature_names.begin() + static_cast<std::ptrdiff_t>(label));
  return Dataset::Create(std::string(path), std::move(features),
                         std::move(labels.values), std::move(labels.class_names),
                         std::move(feature_names));
}

}  // namespace lrsweep::engine
