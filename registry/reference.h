// Image references: "python:3.11-slim", "ghcr.io/org/app:v1", "localhost:5000/app@sha256:…".
//
// Parsing follows the distribution reference grammar and Docker's normalisation: a reference
// without a registry means Docker Hub ("docker.io"), and a single-component Docker Hub name
// lives under "library/" ("python" → "docker.io/library/python"). A reference with neither tag
// nor digest gets the tag "latest".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "layers/digest.h"

namespace stowage::registry {

// The registry Docker Hub references normalise to, and the host its API is served from.
inline constexpr std::string_view kDockerHub = "docker.io";
inline constexpr std::string_view kDockerHubApiHost = "registry-1.docker.io";

class Reference {
 public:
  // Parses `text`. Throws InputError saying what is wrong and how a valid reference looks
  // (uppercase repository, bad tag, bad digest, empty name, too long...).
  static Reference parse(std::string_view text);

  // The registry as the user names it: "docker.io", "ghcr.io", "127.0.0.1:5000". It is the
  // key for credentials and the authority of every URL (except Docker Hub's, see api_host()).
  const std::string& registry() const { return registry_; }
  // Same as registry(); the name go-containerregistry uses for it.
  const std::string& context() const { return registry_; }
  // "host[:port]" the registry API is reached at ("registry-1.docker.io" for docker.io).
  std::string api_host() const;
  // "library/python", "org/app".
  const std::string& repository() const { return repository_; }
  // The tag, or "" when the reference was given by digest only.
  const std::string& tag() const { return tag_; }
  const std::optional<layers::Digest>& digest() const { return digest_; }

  // What goes after /manifests/ in a URL: the digest when there is one, else the tag.
  std::string identifier() const;
  // The fully qualified form: "docker.io/library/python:3.11", "host/repo:tag@sha256:…".
  std::string str() const;
  // "registry/repository" without tag or digest.
  std::string name() const;

  // The same image pinned by `digest`; the tag is kept ("host/repo:tag@sha256:…").
  Reference with_digest(const layers::Digest& digest) const;
  // The same repository with tag `tag` and no digest. Throws InputError for an invalid tag.
  Reference with_tag(std::string_view tag) const;
  // Another repository on the same registry, tagged "latest". Throws InputError.
  Reference in_repository(std::string_view repository) const;

  bool operator==(const Reference&) const = default;

 private:
  Reference() = default;
  std::string registry_;
  std::string repository_;
  std::string tag_;
  std::optional<layers::Digest> digest_;
};

}  // namespace stowage::registry
