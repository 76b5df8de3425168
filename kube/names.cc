#include "kube/names.h"

namespace stowage::kube {
namespace {

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool alnum(char c) {
  return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

// 1-63 characters drawn from `inner`, with alphanumeric (per `edge`) first and last characters.
template <typename Edge, typename Inner>
bool bounded_token(std::string_view s, Edge edge, Inner inner) {
  if (s.empty() || s.size() > 63)
    return false;
  if (!edge(s.front()) || !edge(s.back()))
    return false;
  for (char c : s) {
    if (!edge(c) && !inner(c))
      return false;
  }
  return true;
}

}  // namespace

bool is_dns1123_label(std::string_view name) {
  return bounded_token(name, lower_alnum, [](char c) { return c == '-'; });
}

bool is_dns1035_label(std::string_view name) {
  return is_dns1123_label(name) && name.front() >= 'a' && name.front() <= 'z';
}

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253)
    return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!is_dns1123_label(name.substr(start, dot - start)))
      return false;
    if (dot == std::string_view::npos)
      return true;
    start = dot + 1;
  }
}

bool is_qualified_name(std::string_view key) {
  const std::size_t slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    if (!is_dns1123_subdomain(key.substr(0, slash)))
      return false;
    name = key.substr(slash + 1);
  }
  return bounded_token(name, alnum, [](char c) { return c == '-' || c == '_' || c == '.'; });
}

bool is_label_value(std::string_view value) {
  return value.empty() ||
         bounded_token(value, alnum, [](char c) { return c == '-' || c == '_' || c == '.'; });
}

}  // namespace stowage::kube
