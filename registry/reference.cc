#include "registry/reference.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "core/error.h"
#include "core/strings.h"

namespace stowage::registry {
namespace {

constexpr std::size_t kMaxNameLength = 255;
constexpr const char* kExample =
    "e.g. python:3.11, ghcr.io/org/app:v1 or localhost:5000/app@sha256:…";

[[noreturn]] void invalid(std::string_view text, const std::string& why,
                          const std::string& hint = kExample) {
  throw InputError("invalid image reference \"" + std::string(text) + "\": " + why, hint);
}

bool is_domain(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         std::any_of(first.begin(), first.end(), [](char c) { return std::isupper(c); });
}

bool valid_domain(const std::string& domain) {
  // A host name or IPv4 address, or a bracketed IPv6 address, with an optional port.
  static const std::regex re(
      R"(^(([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(\.([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$)");
  return std::regex_match(domain, re);
}

bool valid_component(const std::string& component) {
  static const std::regex re(R"(^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$)");
  return std::regex_match(component, re);
}

bool valid_tag(std::string_view tag) {
  static const std::regex re(R"(^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$)");
  return std::regex_match(tag.begin(), tag.end(), re);
}

void check_repository(std::string_view text, const std::string& repository) {
  if (repository.empty())
    invalid(text, "the repository name is empty");
  std::size_t start = 0;
  while (true) {
    std::size_t slash = repository.find('/', start);
    std::string component = repository.substr(start, slash - start);
    if (component.empty())
      invalid(text, "the repository name has an empty path component");
    if (!valid_component(component)) {
      if (std::any_of(component.begin(), component.end(), [](char c) { return std::isupper(c); })) {
        invalid(text, "repository names must be lowercase", "use \"" + to_lower(repository) + "\"");
      }
      invalid(text, "\"" + component + "\" is not a valid repository path component",
              "components are lowercase letters and digits, separated by '.', '_', '__' or '-'");
    }
    if (slash == std::string::npos)
      break;
    start = slash + 1;
  }
}

}  // namespace

Reference Reference::parse(std::string_view text) {
  if (text.empty())
    invalid(text, "it is empty");
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    invalid(text, "it contains whitespace");
  }
  Reference ref;
  std::string_view rest = text;

  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (digest.substr(0, 7) != "sha256:") {
      invalid(text, "the digest \"" + std::string(digest) + "\" is not a sha256 digest",
              "a digest is \"sha256:\" followed by 64 lowercase hex digits");
    }
    if (!layers::Digest::valid(digest)) {
      invalid(text, "the digest \"" + std::string(digest) + "\" is malformed",
              "a digest is \"sha256:\" followed by 64 lowercase hex digits");
    }
    ref.digest_ = layers::Digest::parse(digest);
    rest = rest.substr(0, at);
  }

  std::string_view name = rest;
  if (auto colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    std::string_view tag = rest.substr(colon + 1);
    std::string_view before = rest.substr(0, colon);
    // "host:5000" alone is a name with a port only if something follows a slash; a colon after
    // the last slash is always a tag.
    if (!valid_tag(tag)) {
      invalid(text, "the tag \"" + std::string(tag) + "\" is not valid",
              "a tag is up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
    }
    ref.tag_ = std::string(tag);
    name = before;
  }
  if (name.empty())
    invalid(text, "the repository name is empty");
  if (name.size() > kMaxNameLength) {
    invalid(text, "the name is longer than " + std::to_string(kMaxNameLength) + " characters",
            "shorten the repository path");
  }

  std::string registry;
  std::string repository;
  auto slash = name.find('/');
  if (slash != std::string_view::npos && is_domain(name.substr(0, slash))) {
    registry = std::string(name.substr(0, slash));
    repository = std::string(name.substr(slash + 1));
    if (!valid_domain(registry)) {
      invalid(text, "\"" + registry + "\" is not a valid registry host",
              "a registry is HOST or HOST:PORT, e.g. ghcr.io or 127.0.0.1:5000");
    }
  } else {
    registry = std::string(kDockerHub);
    repository = std::string(name);
  }
  if (registry == "index.docker.io" || registry == "registry-1.docker.io") {
    registry = std::string(kDockerHub);
  }
  if (registry == kDockerHub && repository.find('/') == std::string::npos) {
    repository = "library/" + repository;
  }
  check_repository(text, repository);
  // The limit holds for the normalised name too, as Docker applies it: "a" * 241 would become
  // "docker.io/library/aaa…", longer than any registry accepts (found by fuzz/reference_fuzz).
  if (registry.size() + 1 + repository.size() > kMaxNameLength) {
    invalid(text,
            "the name is longer than " + std::to_string(kMaxNameLength) +
                " characters once qualified as " + registry + "/" + repository.substr(0, 20) + "…",
            "shorten the repository path");
  }

  if (ref.tag_.empty() && !ref.digest_)
    ref.tag_ = "latest";
  ref.registry_ = std::move(registry);
  ref.repository_ = std::move(repository);
  return ref;
}

std::string Reference::api_host() const {
  return registry_ == kDockerHub ? std::string(kDockerHubApiHost) : registry_;
}

std::string Reference::identifier() const {
  return digest_ ? digest_->str() : tag_;
}

std::string Reference::name() const {
  return registry_ + "/" + repository_;
}

std::string Reference::str() const {
  std::string s = name();
  if (!tag_.empty())
    s += ":" + tag_;
  if (digest_)
    s += "@" + digest_->str();
  return s;
}

Reference Reference::with_digest(const layers::Digest& digest) const {
  Reference r = *this;
  r.digest_ = digest;
  return r;
}

Reference Reference::with_tag(std::string_view tag) const {
  if (!valid_tag(tag)) {
    invalid(name() + ":" + std::string(tag), "the tag \"" + std::string(tag) + "\" is not valid",
            "a tag is up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
  }
  Reference r = *this;
  r.tag_ = std::string(tag);
  r.digest_.reset();
  return r;
}

Reference Reference::in_repository(std::string_view repository) const {
  return parse(registry_ + "/" + std::string(repository));
}

}  // namespace stowage::registry
