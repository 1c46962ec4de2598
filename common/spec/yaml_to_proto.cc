#include "spec/yaml_to_proto.h"

#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lrsweep/v1/spec.pb.h"
#include "util/status_macros.h"

namespace lrsweep::spec {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

std::string Indexed(const std::string& path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

// Describes a node for an error message, as the user wrote it.
std::string Describe(const YAML::Node& node) {
  if (node.IsScalar()) return absl::StrCat("'", node.Scalar(), "'");
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

absl::Status Invalid(const std::string& path, absl::string_view rule,
                     const YAML::Node& node) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", rule, ", got ", Describe(node)));
}

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

bool IsPlainNull(const YAML::Node& node) {
  if (node.IsNull()) return true;
  if (!node.IsScalar() || IsQuoted(node)) return false;
  const std::string& text = node.Scalar();
  return text == "~" || text == "null" || text == "Null" || text == "NULL";
}

// Reads a YAML 1.2 core-schema boolean.
bool ParseBool(const std::string& text, bool* value) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true") {
    *value = true;
    return true;
  }
  if (lower == "false") {
    *value = false;
    return true;
  }
  return false;
}

// Reads a finite decimal number; rejects words such as "nan" and "inf" that
// strtod would take.
bool ParseNumber(const std::string& text, double* value) {
  if (text.empty()) return false;
  char first = text[0];
  if (!(absl::ascii_isdigit(first) || first == '-' || first == '+' ||
        first == '.')) {
    return false;
  }
  return absl::SimpleAtod(text, value) && std::isfinite(*value);
}

bool ParseInteger(const std::string& text, int64_t* value) {
  if (absl::SimpleAtoi(text, value)) return true;
  double number;
  if (!ParseNumber(text, &number) || std::floor(number) != number ||
      std::fabs(number) >= 9.2e18) {
    return false;
  }
  *value = static_cast<int64_t>(number);
  return true;
}

std::string FieldNames(const Descriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    names.push_back(descriptor->field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

absl::Status SetField(const YAML::Node& node, const std::string& path,
                      Message* message, const FieldDescriptor* field);

// Sets one value of `field`: the field itself, or a new element when it is
// repeated.
absl::Status SetOne(const YAML::Node& node, const std::string& path,
                    Message* message, const FieldDescriptor* field) {
  const Reflection* reflection = message->GetReflection();
  const bool repeated = field->is_repeated();

  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!node.IsMap() && !IsPlainNull(node)) {
      return Invalid(path, "must be a map", node);
    }
    Message* child = repeated ? reflection->AddMessage(message, field)
                              : reflection->MutableMessage(message, field);
    if (IsPlainNull(node)) return absl::OkStatus();
    return YamlToMessage(node, path, child);
  }

  if (!node.IsScalar()) {
    return Invalid(path, "must be a single value", node);
  }
  const std::string& text = node.Scalar();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_INT32: {
      int64_t value;
      if (!ParseInteger(text, &value)) {
        return Invalid(path, "must be an integer", node);
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        if (value < INT32_MIN || value > INT32_MAX) {
          return Invalid(path, "must fit in 32 bits", node);
        }
        repeated ? reflection->AddInt32(message, field, value)
                 : reflection->SetInt32(message, field, value);
      } else {
        repeated ? reflection->AddInt64(message, field, value)
                 : reflection->SetInt64(message, field, value);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double value;
      if (!ParseNumber(text, &value)) {
        return Invalid(path, "must be a finite number", node);
      }
      repeated ? reflection->AddDouble(message, field, value)
               : reflection->SetDouble(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value;
      if (!ParseBool(text, &value)) {
        return Invalid(path, "must be true or false", node);
      }
      repeated ? reflection->AddBool(message, field, value)
               : reflection->SetBool(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? reflection->AddString(message, field, text)
               : reflection->SetString(message, field, text);
      return absl::OkStatus();
    default:
      return absl::InternalError(
          absl::StrCat(path, ": field type not supported by the spec reader"));
  }
}

absl::Status SetField(const YAML::Node& node, const std::string& path,
                      Message* message, const FieldDescriptor* field) {
  if (!field->is_repeated()) return SetOne(node, path, message, field);
  if (IsPlainNull(node)) return absl::OkStatus();
  if (!node.IsSequence()) return SetOne(node, path, message, field);
  for (size_t i = 0; i < node.size(); ++i) {
    RETURN_IF_ERROR(SetOne(node[i], Indexed(path, i), message, field));
  }
  return absl::OkStatus();
}

// Fills SolverSpec or SchedulerSpec, whose arguments are written beside
// `name` rather than under `args`.
absl::Status ComponentToMessage(const YAML::Node& node, const std::string& path,
                                Message* message) {
  const Descriptor* descriptor = message->GetDescriptor();
  const FieldDescriptor* args_field = descriptor->FindFieldByName("args");
  auto* args = static_cast<google::protobuf::Struct*>(
      message->GetReflection()->MutableMessage(message, args_field));

  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const std::string child_path = Join(path, key);
    const FieldDescriptor* field = descriptor->FindFieldByName(key);
    if (field == args_field) {
      if (!entry.second.IsMap()) {
        return Invalid(child_path, "must be a map", entry.second);
      }
      for (const auto& arg : entry.second) {
        const std::string arg_key = arg.first.Scalar();
        if (args->fields().count(arg_key) != 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(Join(path, arg_key), ": given twice"));
        }
        RETURN_IF_ERROR(YamlToValue(arg.second, Join(path, arg_key),
                                    &(*args->mutable_fields())[arg_key]));
      }
    } else if (field != nullptr) {
      RETURN_IF_ERROR(SetField(entry.second, child_path, message, field));
    } else {
      if (args->fields().count(key) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(child_path, ": given twice"));
      }
      RETURN_IF_ERROR(
          YamlToValue(entry.second, child_path, &(*args->mutable_fields())[key]));
    }
  }
  return absl::OkStatus();
}

// Resolves the singular spellings of the grid axes. Returns the message and
// field that `key` writes to, or a null field when `key` is no alias.
const FieldDescriptor* ResolveAlias(const std::string& key, Message** target) {
  const Descriptor* descriptor = (*target)->GetDescriptor();
  if (descriptor == v1::SweepSpec::descriptor() &&
      (key == "solver" || key == "scheduler" || key == "base_lr")) {
    auto* sweep = static_cast<v1::SweepSpec*>(*target);
    *target = sweep->mutable_grid();
    return ResolveAlias(key, target);
  }
  if (descriptor == v1::SweepGrid::descriptor()) {
    if (key == "solver") return descriptor->FindFieldByName("solvers");
    if (key == "scheduler") return descriptor->FindFieldByName("schedulers");
    if (key == "base_lr") return descriptor->FindFieldByName("base_lr");
  }
  return nullptr;
}

}  // namespace

absl::Status YamlToValue(const YAML::Node& node, const std::string& path,
                         google::protobuf::Value* value) {
  if (IsPlainNull(node)) {
    value->set_null_value(google::protobuf::NULL_VALUE);
    return absl::OkStatus();
  }
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    bool flag;
    double number;
    if (IsQuoted(node)) {
      value->set_string_value(text);
    } else if (ParseBool(text, &flag)) {
      value->set_bool_value(flag);
    } else if (ParseNumber(text, &number)) {
      value->set_number_value(number);
    } else {
      value->set_string_value(text);
    }
    return absl::OkStatus();
  }
  if (node.IsSequence()) {
    auto* list = value->mutable_list_value();
    for (size_t i = 0; i < node.size(); ++i) {
      RETURN_IF_ERROR(YamlToValue(node[i], Indexed(path, i), list->add_values()));
    }
    return absl::OkStatus();
  }
  if (node.IsMap()) {
    auto* fields = value->mutable_struct_value()->mutable_fields();
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (fields->count(key) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(Join(path, key), ": given twice"));
      }
      RETURN_IF_ERROR(YamlToValue(entry.second, Join(path, key), &(*fields)[key]));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": unreadable value"));
}

absl::Status YamlToMessage(const YAML::Node& node, const std::string& path,
                           Message* message) {
  if (!node.IsMap()) {
    return Invalid(path.empty() ? "spec" : path, "must be a map", node);
  }
  const Descriptor* descriptor = message->GetDescriptor();
  if (descriptor == v1::SolverSpec::descriptor() ||
      descriptor == v1::SchedulerSpec::descriptor()) {
    return ComponentToMessage(node, path, message);
  }

  std::set<std::string> seen;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      return Invalid(path.empty() ? "spec" : path, "keys must be names",
                     entry.first);
    }
    const std::string key = entry.first.Scalar();
    const std::string child_path = Join(path, key);
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(child_path, ": given twice"));
    }

    Message* target = message;
    const FieldDescriptor* field = ResolveAlias(key, &target);
    if (field == nullptr) field = descriptor->FindFieldByName(key);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(child_path, ": unknown field; known fields: ",
                       FieldNames(descriptor)));
    }
    RETURN_IF_ERROR(SetField(entry.second, child_path, target, field));
  }
  return absl::OkStatus();
}

}  // namespace lrsweep::spec
