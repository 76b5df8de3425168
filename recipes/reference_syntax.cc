#include "recipes/reference_syntax.h"

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace stowage::recipes {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// path-component = [a-z0-9]+ (separator [a-z0-9]+)*, separator = [_.] | "__" | "-"+
bool is_path_component(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back()))
    return false;
  for (std::size_t i = 0; i < s.size();) {
    if (is_lower_alnum(s[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && !is_lower_alnum(s[i]))
      ++i;
    std::string_view separator = s.substr(start, i - start);
    bool dashes = std::all_of(separator.begin(), separator.end(), [](char c) { return c == '-'; });
    if (separator != "." && separator != "_" && separator != "__" && !dashes)
      return false;
  }
  return true;
}

// host = DNS name or IPv4 (letters, digits, '-', '.'), optional ":port".
bool is_registry_host(std::string_view s) {
  std::size_t colon = s.rfind(':');
  std::string_view host = s.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
  }
  if (host.empty())
    return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

bool is_tag(std::string_view s) {
  if (s.empty() || s.size() > 128)
    return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(s.front()))
    return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

}  // namespace

ReferenceProblem check_reference_syntax(std::string_view reference) {
  const std::string form = "write it as [host[:port]/]repository[:tag][@sha256:digest]";
  if (reference.starts_with("docker://")) {
    return {"the image reference has a transport prefix: " + std::string(reference),
            "drop \"docker://\": " + std::string(reference.substr(9))};
  }
  std::string_view rest = reference;
  if (std::size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    bool sha256 = digest.starts_with("sha256:") && digest.size() == 7 + 64 &&
                  std::all_of(digest.begin() + 7, digest.end(), is_hex);
    if (!sha256) {
      return {"the image digest is malformed: " + std::string(digest),
              "a digest is sha256: followed by 64 lowercase hex digits"};
    }
  }
  std::size_t last_slash = rest.rfind('/');
  std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    std::string_view tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!is_tag(tag)) {
      return {"the image tag is malformed: " + std::string(tag),
              "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"};
    }
  }
  if (rest.empty())
    return {"the image reference has no repository", form};
  if (rest.size() > 255)
    return {"the image name is longer than 255 characters", form};
  std::size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    bool is_host = first.find_first_of(".:") != std::string_view::npos || first == "localhost";
    if (is_host) {
      if (!is_registry_host(first)) {
        return {"the registry host is malformed: " + std::string(first), form};
      }
      rest = rest.substr(first_slash + 1);
    }
  }
  std::size_t start = 0;
  while (true) {
    std::size_t slash = rest.find('/', start);
    std::string_view component =
        rest.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!is_path_component(component)) {
      std::string fixed = to_lower(component);
      if (is_path_component(fixed)) {
        return {"image repository names are lowercase: " + std::string(component),
                "did you mean \"" + fixed + "\"?"};
      }
      return {"the image repository is malformed at \"" + std::string(component) + "\"",
              "repository parts are lowercase letters and digits, separated by '.', '_', "
              "'__' or '-'"};
    }
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return {};
}

}  // namespace stowage::recipes
