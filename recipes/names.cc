#include "recipes/names.h"

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace stowage::recipes {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool is_label_name(std::string_view name) {
  if (name.empty() || name.size() > 63)
    return false;
  if (!is_alnum(name.front()) || !is_alnum(name.back()))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

}  // namespace

bool is_dns1123_label(std::string_view name) {
  if (name.empty() || name.size() > 63)
    return false;
  if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back()))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_lower_alnum(c) || c == '-'; });
}

std::string to_dns1123_label(std::string_view name) {
  std::string out;
  for (char c : name) {
    char l = to_lower(c);
    if (is_lower_alnum(l)) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  if (out.size() > 63)
    out.resize(63);
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253)
    return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_dns1123_label(label))
      return false;
    if (dot == std::string_view::npos)
      return true;
    start = dot + 1;
  }
}

bool is_label_key(std::string_view key) {
  std::size_t slash = key.find('/');
  if (slash == std::string_view::npos)
    return is_label_name(key);
  return is_dns1123_subdomain(key.substr(0, slash)) && is_label_name(key.substr(slash + 1));
}

bool is_label_value(std::string_view value) {
  return value.empty() || is_label_name(value);
}

}  // namespace stowage::recipes
