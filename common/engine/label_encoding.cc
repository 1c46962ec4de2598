#include "engine/label_encoding.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lrsweep::engine {
namespace {

// Largest magnitude below which every integer is exact in a double (2^53).
constexpr double kMaxExactInteger = 9007199254740992.0;

// Returns true and the integer if `text` is a number with an integral value
// ("3", "+1", "-1", "2.0").
bool ParseIntegerLabel(absl::string_view text, int64_t* value) {
  double number = 0;
  if (!ParseDouble(text, &number)) return false;
  if (!std::isfinite(number) || std::floor(number) != number ||
      std::fabs(number) > kMaxExactInteger) {
    return false;
  }
  *value = static_cast<int64_t>(number);
  return true;
}

bool AllIntegers(const std::vector<std::string>& texts) {
  int64_t ignored = 0;
  for (const std::string& text : texts) {
    if (!ParseIntegerLabel(text, &ignored)) return false;
  }
  return true;
}

bool AllNumbers(const std::vector<std::string>& texts) {
  double ignored = 0;
  for (const std::string& text : texts) {
    if (!ParseDouble(text, &ignored)) return false;
  }
  return true;
}

absl::StatusOr<EncodedLabels> EncodeReal(absl::string_view source,
                                         const std::vector<std::string>& texts,
                                         const std::vector<int64_t>& lines) {
  EncodedLabels encoded;
  encoded.values.resize(static_cast<Eigen::Index>(texts.size()));
  for (size_t i = 0; i < texts.size(); ++i) {
    double value = 0;
    if (!ParseDouble(texts[i], &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ":", lines[i], ": label '", texts[i],
          "' is not a number; a regression target must be numeric"));
    }
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ":", lines[i], ": label '", texts[i], "' is not finite"));
    }
    encoded.values[static_cast<Eigen::Index>(i)] = value;
  }
  return encoded;
}

// Returns the class names of `texts` in class order: integers by value when
// every text is an integer (written in canonical form, "+1" as "1"), else
// the distinct texts in byte order.
std::vector<std::string> DeriveClasses(const std::vector<std::string>& texts,
                                       bool integers) {
  std::vector<std::string> names;
  if (integers) {
    std::vector<int64_t> values;
    for (const std::string& text : texts) {
      int64_t value = 0;
      ParseIntegerLabel(text, &value);
      values.push_back(value);
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (int64_t value : values) names.push_back(absl::StrCat(value));
    return names;
  }
  names = texts;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

absl::StatusOr<EncodedLabels> EncodeClasses(
    absl::string_view source, const std::vector<std::string>& texts,
    const std::vector<int64_t>& lines,
    const std::vector<std::string>& known_classes) {
  // Integer labels are compared in canonical form ("+1" as "1"), when the
  // classes are integers.
  const bool integers =
      known_classes.empty() ? AllIntegers(texts) : AllIntegers(known_classes);
  EncodedLabels encoded;
  encoded.class_names =
      known_classes.empty() ? DeriveClasses(texts, integers) : known_classes;

  std::map<std::string, int64_t, std::less<>> index;
  for (size_t k = 0; k < encoded.class_names.size(); ++k) {
    index.emplace(encoded.class_names[k], static_cast<int64_t>(k));
  }

  encoded.values.resize(static_cast<Eigen::Index>(texts.size()));
  for (size_t i = 0; i < texts.size(); ++i) {
    int64_t integer = 0;
    std::string key = integers && ParseIntegerLabel(texts[i], &integer)
                          ? absl::StrCat(integer)
                          : texts[i];
    auto it = index.find(key);
    if (it == index.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ":", lines[i], ": label '", texts[i],
          "' is not one of the training classes (",
          absl::StrJoin(encoded.class_names, ", "), ")"));
    }
    encoded.values[static_cast<Eigen::Index>(i)] = static_cast<double>(it->second);
  }
  return encoded;
}

}  // namespace

bool ParseDouble(absl::string_view text, double* value) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return false;
  return absl::SimpleAtod(text, value);
}

absl::StatusOr<EncodedLabels> EncodeLabels(absl::string_view source,
                                           const std::vector<std::string>& texts,
                                           const std::vector<int64_t>& lines,
                                           LabelKind kind,
                                           const std::vector<std::string>& known_classes) {
  if (kind == LabelKind::kAuto) {
    kind = AllNumbers(texts) ? LabelKind::kReal : LabelKind::kClass;
  }
  if (kind == LabelKind::kReal) return EncodeReal(source, texts, lines);
  return EncodeClasses(source, texts, lines, known_classes);
}

}  // namespace lrsweep::engine
