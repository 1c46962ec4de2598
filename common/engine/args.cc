#include "engine/args.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/format.h"

namespace lrsweep::engine {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Value;

// Describes a value for an error message, as the user would have written it.
std::string Describe(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      return util::FormatDouble(value.number_value());
    case Value::kStringValue:
      return absl::StrCat("'", value.string_value(), "'");
    case Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case Value::kListValue:
      return "a list";
    case Value::kStructValue:
      return "a map";
    default:
      return "null";
  }
}

bool IsWholeNumber(double x) {
  return std::isfinite(x) && std::floor(x) == x && std::fabs(x) < 9.2e18;
}

}  // namespace

ArgReader::ArgReader(const google::protobuf::Struct& args,
                     absl::string_view component)
    : args_(args), component_(component) {}

const Value* ArgReader::Find(absl::string_view name) {
  std::string key(name);
  auto it = args_.fields().find(key);
  if (it == args_.fields().end()) {
    key = absl::AsciiStrToLower(name);
    it = args_.fields().find(key);
  }
  if (it == args_.fields().end()) return nullptr;
  read_.insert(key);
  if (it->second.kind_case() == Value::kNullValue) return nullptr;
  return &it->second;
}

bool ArgReader::Has(absl::string_view name) const {
  for (const std::string& key :
       {std::string(name), absl::AsciiStrToLower(name)}) {
    auto it = args_.fields().find(key);
    if (it != args_.fields().end() &&
        it->second.kind_case() != Value::kNullValue) {
      return true;
    }
  }
  return false;
}

void ArgReader::Fail(std::string message) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(std::move(message));
}

double ArgReader::Double(absl::string_view name, double default_value) {
  const Value* value = Find(name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != Value::kNumberValue ||
      !std::isfinite(value->number_value())) {
    Fail(absl::StrCat(name, ": must be a finite number, got ", Describe(*value)));
    return default_value;
  }
  return value->number_value();
}

int64_t ArgReader::Int(absl::string_view name, int64_t default_value) {
  const Value* value = Find(name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != Value::kNumberValue ||
      !IsWholeNumber(value->number_value())) {
    Fail(absl::StrCat(name, ": must be an integer, got ", Describe(*value)));
    return default_value;
  }
  return static_cast<int64_t>(value->number_value());
}

bool ArgReader::Bool(absl::string_view name, bool default_value) {
  const Value* value = Find(name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != Value::kBoolValue) {
    Fail(absl::StrCat(name, ": must be true or false, got ", Describe(*value)));
    return default_value;
  }
  return value->bool_value();
}

std::string ArgReader::String(absl::string_view name,
                              absl::string_view default_value,
                              const std::vector<absl::string_view>& choices) {
  const Value* value = Find(name);
  if (value == nullptr) return std::string(default_value);
  if (value->kind_case() != Value::kStringValue) {
    Fail(absl::StrCat(name, ": must be a string, got ", Describe(*value)));
    return std::string(default_value);
  }
  const std::string& text = value->string_value();
  if (!choices.empty()) {
    bool known = false;
    for (absl::string_view choice : choices) known = known || choice == text;
    if (!known) {
      Fail(absl::StrCat(name, ": must be one of ", absl::StrJoin(choices, ", "),
                        "; got '", text, "'"));
      return std::string(default_value);
    }
  }
  return text;
}

std::vector<double> ArgReader::DoubleList(
    absl::string_view name, const std::vector<double>& default_value) {
  const Value* value = Find(name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != Value::kListValue) {
    Fail(absl::StrCat(name, ": must be a list of numbers, got ",
                      Describe(*value)));
    return default_value;
  }
  std::vector<double> result;
  for (int i = 0; i < value->list_value().values_size(); ++i) {
    const Value& item = value->list_value().values(i);
    if (item.kind_case() != Value::kNumberValue ||
        !std::isfinite(item.number_value())) {
      Fail(absl::StrCat(name, "[", i, "]: must be a finite number, got ",
                        Describe(item)));
      return default_value;
    }
    result.push_back(item.number_value());
  }
  return result;
}

std::vector<int64_t> ArgReader::IntList(
    absl::string_view name, const std::vector<int64_t>& default_value) {
  const Value* value = Find(name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != Value::kListValue) {
    Fail(absl::StrCat(name, ": must be a list of integers, got ",
                      Describe(*value)));
    return default_value;
  }
  std::vector<int64_t> result;
  for (int i = 0; i < value->list_value().values_size(); ++i) {
    const Value& item = value->list_value().values(i);
    if (item.kind_case() != Value::kNumberValue ||
        !IsWholeNumber(item.number_value())) {
      Fail(absl::StrCat(name, "[", i, "]: must be an integer, got ",
                        Describe(item)));
      return default_value;
    }
    result.push_back(static_cast<int64_t>(item.number_value()));
  }
  return result;
}

std::optional<double> ArgReader::OptionalDouble(absl::string_view name) {
  if (!Has(name)) {
    Find(name);  // Marks an explicit null as read.
    return std::nullopt;
  }
  return Double(name, 0.0);
}

std::optional<int64_t> ArgReader::OptionalInt(absl::string_view name) {
  if (!Has(name)) {
    Find(name);
    return std::nullopt;
  }
  return Int(name, 0);
}

const ListValue* ArgReader::List(absl::string_view name) {
  const Value* value = Find(name);
  if (value == nullptr) return nullptr;
  if (value->kind_case() != Value::kListValue) {
    Fail(absl::StrCat(name, ": must be a list, got ", Describe(*value)));
    return nullptr;
  }
  return &value->list_value();
}

void ArgReader::Check(bool ok, absl::string_view name, absl::string_view rule,
                      double value) {
  if (!ok) Fail(absl::StrCat(name, ": ", rule, ", got ", util::FormatDouble(value)));
}

void ArgReader::Check(bool ok, absl::string_view name, absl::string_view rule,
                      absl::string_view value) {
  if (!ok) Fail(absl::StrCat(name, ": ", rule, ", got ", value));
}

void ArgReader::CheckMessage(bool ok, absl::string_view message) {
  if (!ok) Fail(std::string(message));
}

absl::Status ArgReader::Finish() {
  if (!status_.ok()) return status_;
  for (const auto& [key, value] : args_.fields()) {
    if (read_.count(key) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": unknown argument of ", component_));
    }
  }
  return absl::OkStatus();
}

}  // namespace lrsweep::engine
