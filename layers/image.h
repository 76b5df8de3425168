// The OCI image data model: descriptors, image config, manifest and index.
//
// These are plain values. to_json() produces canonical JSON (keys sorted, no insignificant
// whitespace), so the same value always serialises to the same bytes and the same digest.
// parse_*() accept both OCI and Docker schema 2 documents and throw Error on malformed input.
// A document's digest is always computed over the exact bytes that were stored or received,
// never over a re-serialisation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "layers/digest.h"
#include "layers/media_type.h"

namespace stowage::layers {

using Annotations = std::map<std::string, std::string>;

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;  // "v8" for arm64, usually empty

  // "linux/amd64", "linux/arm64/v8".
  std::string str() const;
  // Parses "os/arch[/variant]"; throws InputError.
  static Platform parse(std::string_view text);
  bool operator==(const Platform&) const = default;
};

// A reference to a blob: what it is, its digest and its exact size.
struct Descriptor {
  std::string media_type;
  Digest digest = Digest::of("");
  std::int64_t size = 0;
  Annotations annotations;
  std::optional<Platform> platform;  // only in an index
};

struct HistoryEntry {
  std::string created;     // RFC 3339; empty = absent
  std::string created_by;  // what produced the layer
  std::string comment;
  bool empty_layer = false;
};

// The runtime part of an image config ("config" in the JSON).
struct ContainerConfig {
  std::string user;
  std::vector<std::string> env;  // "KEY=value", in order
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::set<std::string> exposed_ports;  // "8080/tcp"
  std::set<std::string> volumes;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
};

struct ImageConfig {
  std::string created;  // RFC 3339; empty = absent
  std::string author;
  Platform platform;
  ContainerConfig config;
  std::vector<Digest> diff_ids;  // digests of the uncompressed layers, lowest first
  std::vector<HistoryEntry> history;
};

struct Manifest {
  std::string media_type{media_type::kOciManifest};
  Descriptor config;
  std::vector<Descriptor> layers;
  Annotations annotations;
};

struct Index {
  std::string media_type{media_type::kOciIndex};
  std::vector<Descriptor> manifests;
  Annotations annotations;
};

std::string to_json(const ImageConfig& config);
std::string to_json(const Manifest& manifest);
std::string to_json(const Index& index);

ImageConfig parse_config(std::string_view json);
Manifest parse_manifest(std::string_view json);
Index parse_index(std::string_view json);

// The "mediaType" field of a manifest or index document, or "" when absent.
std::string media_type_of(std::string_view json);

// Formats seconds since the epoch as RFC 3339 UTC ("1970-01-01T00:00:01Z").
std::string rfc3339(std::int64_t epoch_seconds);

}  // namespace stowage::layers
