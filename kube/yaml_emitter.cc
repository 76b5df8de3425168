#include "kube/yaml_emitter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/strings.h"

namespace stowage::kube {
namespace {

bool plain_safe(std::string_view s) {
  if (s.empty())
    return false;
  const char first = s.front();
  if (!std::isalpha(static_cast<unsigned char>(first)) && first != '/')
    return false;
  for (char c : s) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-';
    if (!ok)
      return false;
  }
  // Words YAML 1.1 (and for some, 1.2) resolves to booleans or null.
  static constexpr std::array<std::string_view, 11> kReserved = {
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"};
  std::string folded = to_lower(s);
  return std::find(kReserved.begin(), kReserved.end(), folded) == kReserved.end();
}

std::string scalar(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return plain_safe(s)
               ? s
               : nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
  return v.dump();  // numbers, booleans, null: JSON's spelling is YAML's
}

bool is_collection(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && !v.empty();
}

void emit(const nlohmann::json& v, int indent, std::string& out);

// A value after "key:" or "- ": inline when scalar or empty, else on the following lines.
void emit_after_marker(const nlohmann::json& v, int child_indent, std::string& out) {
  if (!is_collection(v)) {
    out += ' ';
    out += v.is_object() ? "{}" : v.is_array() ? "[]" : scalar(v);
    out += '\n';
    return;
  }
  out += '\n';
  emit(v, child_indent, out);
}

void emit(const nlohmann::json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      out += pad + scalar(nlohmann::json(key)) + ':';
      emit_after_marker(child, indent + 2, out);
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (item.is_object() && !item.empty()) {
        // "- " followed by the first key on the same line, the rest aligned under it.
        std::string block;
        emit(item, indent + 2, block);
        out += pad + "- " + block.substr(static_cast<std::size_t>(indent) + 2);
      } else {
        out += pad + '-';
        emit_after_marker(item, indent + 2, out);
      }
    }
  } else {
    out += pad + scalar(v) + '\n';
  }
}

}  // namespace

std::string to_yaml(const nlohmann::json& value) {
  std::string out;
  if (!is_collection(value)) {
    out = value.is_object() ? "{}\n" : value.is_array() ? "[]\n" : scalar(value) + '\n';
    return out;
  }
  emit(value, 0, out);
  return out;
}

}  // namespace stowage::kube
