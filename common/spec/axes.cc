#include "spec/axes.h"

#include <map>
#include <string>

namespace lrsweep::spec {
namespace {

using google::protobuf::Value;

bool IsAxis(const std::string& name, const Value& value) {
  if (value.kind_case() != Value::kListValue) return false;
  if (!IsListArgument(name)) return true;
  const auto& items = value.list_value().values();
  if (items.empty()) return false;
  for (const Value& item : items) {
    if (item.kind_case() != Value::kListValue) return false;
  }
  return true;
}

// The arguments in name order, so that expansion does not depend on the
// iteration order of google::protobuf::Map.
std::map<std::string, const Value*> SortedArgs(
    const google::protobuf::Struct& args) {
  std::map<std::string, const Value*> sorted;
  for (const auto& [name, value] : args.fields()) sorted[name] = &value;
  return sorted;
}

}  // namespace

bool IsListArgument(absl::string_view name) {
  return name == "milestones" || name == "betas" || name == "schedulers";
}

uint64_t CountArgCombinations(const google::protobuf::Struct& args) {
  uint64_t count = 1;
  for (const auto& [name, value] : args.fields()) {
    if (IsAxis(name, value)) {
      count *= static_cast<uint64_t>(value.list_value().values_size());
    }
  }
  return count;
}

std::vector<google::protobuf::Struct> ExpandArgs(
    const google::protobuf::Struct& args) {
  std::vector<google::protobuf::Struct> result(1);
  for (const auto& [name, value] : SortedArgs(args)) {
    if (!IsAxis(name, *value)) {
      for (auto& partial : result) (*partial.mutable_fields())[name] = *value;
      continue;
    }
    std::vector<google::protobuf::Struct> next;
    next.reserve(result.size() * value->list_value().values_size());
    for (const auto& partial : result) {
      for (const Value& item : value->list_value().values()) {
        next.push_back(partial);
        (*next.back().mutable_fields())[name] = item;
      }
    }
    result = std::move(next);
  }
  return result;
}

}  // namespace lrsweep::spec
