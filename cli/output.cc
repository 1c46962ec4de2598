#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/flags/flag.h"
#include "google/protobuf/util/json_util.h"
#include "util/format.h"

ABSL_FLAG(std::string, format, "table",
          "Output format: table (for people), or csv or json (for programs); "
          "each command lists the formats it supports.");

namespace lrsweep::cli {

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  return status.ok() ? json : "null";
}

std::string JsonNumber(double value) {
  return std::isfinite(value) ? util::FormatDouble(value) : "null";
}

void PrintTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows,
                const std::vector<bool>& right_aligned) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      const std::string padding(widths[i] - cell.size(), ' ');
      const bool right = i < right_aligned.size() && right_aligned[i];
      if (i > 0) line += "  ";
      line += right ? padding + cell : cell + (i + 1 < widths.size() ? padding : "");
    }
    std::printf("%s\n", line.c_str());
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
}

int ReportError(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "lrsweep %s: %s\n", command,
               std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ||
                 status.code() == absl::StatusCode::kNotFound
             ? 2
             : 1;
}

}  // namespace lrsweep::cli
