#include "layers/image.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace stowage::layers {

using nlohmann::json;

namespace {

// Reading helpers: every malformed field becomes an Error naming the field.
[[noreturn]] void malformed(std::string_view doc, std::string_view field, std::string_view why) {
  throw Error("malformed " + std::string(doc) + ": field \"" + std::string(field) + "\" " +
              std::string(why));
}

std::string get_string(const json& j, std::string_view doc, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required)
      malformed(doc, key, "is missing");
    return {};
  }
  if (!it->is_string())
    malformed(doc, key, "is not a string");
  return it->get<std::string>();
}

std::vector<std::string> get_strings(const json& j, std::string_view doc, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return out;
  if (!it->is_array())
    malformed(doc, key, "is not an array");
  for (const auto& v : *it) {
    if (!v.is_string())
      malformed(doc, key, "holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> get_string_map(const json& j, std::string_view doc,
                                                  const char* key) {
  std::map<std::string, std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return out;
  if (!it->is_object())
    malformed(doc, key, "is not an object");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string())
      malformed(doc, key, "holds a non-string value");
    out[k] = v.get<std::string>();
  }
  return out;
}

std::set<std::string> get_key_set(const json& j, std::string_view doc, const char* key) {
  std::set<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return out;
  if (!it->is_object())
    malformed(doc, key, "is not an object");
  for (const auto& [k, v] : it->items())
    out.insert(k);
  return out;
}

json parse_document(std::string_view text, std::string_view doc) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw Error("malformed " + std::string(doc) + ": not valid JSON");
  if (!j.is_object())
    throw Error("malformed " + std::string(doc) + ": not a JSON object");
  return j;
}

json platform_json(const Platform& p) {
  json j = {{"os", p.os}, {"architecture", p.architecture}};
  if (!p.variant.empty())
    j["variant"] = p.variant;
  return j;
}

json descriptor_json(const Descriptor& d) {
  json j = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!d.annotations.empty())
    j["annotations"] = d.annotations;
  if (d.platform)
    j["platform"] = platform_json(*d.platform);
  return j;
}

Descriptor descriptor_from(const json& j, std::string_view doc) {
  if (!j.is_object())
    throw Error("malformed " + std::string(doc) + ": descriptor is not an object");
  Descriptor d;
  d.media_type = get_string(j, doc, "mediaType", true);
  std::string digest = get_string(j, doc, "digest", true);
  if (!Digest::valid(digest))
    malformed(doc, "digest", "is not a sha256 digest: " + digest);
  d.digest = Digest::parse(digest);
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<std::int64_t>() < 0) {
    malformed(doc, "size", "is missing or not a non-negative integer");
  }
  d.size = size->get<std::int64_t>();
  d.annotations = get_string_map(j, doc, "annotations");
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    Platform platform;
    platform.os = get_string(*p, doc, "os", true);
    platform.architecture = get_string(*p, doc, "architecture", true);
    platform.variant = get_string(*p, doc, "variant", false);
    d.platform = platform;
  }
  return d;
}

json key_set_json(const std::set<std::string>& keys) {
  json j = json::object();
  for (const auto& k : keys)
    j[k] = json::object();
  return j;
}

}  // namespace

std::string Platform::str() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty())
    s += "/" + variant;
  return s;
}

Platform Platform::parse(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash - start));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  bool ok = parts.size() >= 2 && parts.size() <= 3;
  for (const auto& part : parts)
    ok = ok && !part.empty();
  if (!ok) {
    throw InputError("invalid platform \"" + std::string(text) + "\"",
                     "expected os/architecture[/variant], for example linux/amd64");
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3)
    p.variant = parts[2];
  return p;
}

std::string to_json(const ImageConfig& c) {
  json cfg = json::object();
  if (!c.config.user.empty())
    cfg["User"] = c.config.user;
  if (!c.config.env.empty())
    cfg["Env"] = c.config.env;
  if (!c.config.entrypoint.empty())
    cfg["Entrypoint"] = c.config.entrypoint;
  if (!c.config.cmd.empty())
    cfg["Cmd"] = c.config.cmd;
  if (!c.config.working_dir.empty())
    cfg["WorkingDir"] = c.config.working_dir;
  if (!c.config.exposed_ports.empty())
    cfg["ExposedPorts"] = key_set_json(c.config.exposed_ports);
  if (!c.config.volumes.empty())
    cfg["Volumes"] = key_set_json(c.config.volumes);
  if (!c.config.labels.empty())
    cfg["Labels"] = c.config.labels;
  if (!c.config.stop_signal.empty())
    cfg["StopSignal"] = c.config.stop_signal;

  json diff_ids = json::array();
  for (const auto& d : c.diff_ids)
    diff_ids.push_back(d.str());
  json history = json::array();
  for (const auto& h : c.history) {
    json e = json::object();
    if (!h.created.empty())
      e["created"] = h.created;
    if (!h.created_by.empty())
      e["created_by"] = h.created_by;
    if (!h.comment.empty())
      e["comment"] = h.comment;
    if (h.empty_layer)
      e["empty_layer"] = true;
    history.push_back(std::move(e));
  }

  json j = {{"architecture", c.platform.architecture},
            {"os", c.platform.os},
            {"config", cfg},
            {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  if (!c.platform.variant.empty())
    j["variant"] = c.platform.variant;
  if (!c.created.empty())
    j["created"] = c.created;
  if (!c.author.empty())
    j["author"] = c.author;
  if (!history.empty())
    j["history"] = history;
  return j.dump();
}

std::string to_json(const Manifest& m) {
  json layers = json::array();
  for (const auto& l : m.layers)
    layers.push_back(descriptor_json(l));
  json j = {{"schemaVersion", 2},
            {"mediaType", m.media_type},
            {"config", descriptor_json(m.config)},
            {"layers", layers}};
  if (!m.annotations.empty())
    j["annotations"] = m.annotations;
  return j.dump();
}

std::string to_json(const Index& index) {
  json manifests = json::array();
  for (const auto& d : index.manifests)
    manifests.push_back(descriptor_json(d));
  json j = {{"schemaVersion", 2}, {"mediaType", index.media_type}, {"manifests", manifests}};
  if (!index.annotations.empty())
    j["annotations"] = index.annotations;
  return j.dump();
}

ImageConfig parse_config(std::string_view text) {
  constexpr std::string_view doc = "image config";
  json j = parse_document(text, doc);
  ImageConfig c;
  c.created = get_string(j, doc, "created", false);
  c.author = get_string(j, doc, "author", false);
  c.platform.os = get_string(j, doc, "os", true);
  c.platform.architecture = get_string(j, doc, "architecture", true);
  c.platform.variant = get_string(j, doc, "variant", false);
  if (auto it = j.find("config"); it != j.end() && it->is_object()) {
    const json& cfg = *it;
    c.config.user = get_string(cfg, doc, "User", false);
    c.config.env = get_strings(cfg, doc, "Env");
    c.config.entrypoint = get_strings(cfg, doc, "Entrypoint");
    c.config.cmd = get_strings(cfg, doc, "Cmd");
    c.config.working_dir = get_string(cfg, doc, "WorkingDir", false);
    c.config.exposed_ports = get_key_set(cfg, doc, "ExposedPorts");
    c.config.volumes = get_key_set(cfg, doc, "Volumes");
    c.config.labels = get_string_map(cfg, doc, "Labels");
    c.config.stop_signal = get_string(cfg, doc, "StopSignal", false);
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object())
    malformed(doc, "rootfs", "is missing");
  for (const auto& d : get_strings(*rootfs, doc, "diff_ids")) {
    if (!Digest::valid(d))
      malformed(doc, "rootfs.diff_ids", "holds an invalid digest: " + d);
    c.diff_ids.push_back(Digest::parse(d));
  }
  if (auto it = j.find("history"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (!e.is_object())
        malformed(doc, "history", "holds a non-object");
      HistoryEntry h;
      h.created = get_string(e, doc, "created", false);
      h.created_by = get_string(e, doc, "created_by", false);
      h.comment = get_string(e, doc, "comment", false);
      if (auto el = e.find("empty_layer"); el != e.end() && el->is_boolean()) {
        h.empty_layer = el->get<bool>();
      }
      c.history.push_back(std::move(h));
    }
  }
  return c;
}

Manifest parse_manifest(std::string_view text) {
  constexpr std::string_view doc = "image manifest";
  json j = parse_document(text, doc);
  Manifest m;
  m.media_type = get_string(j, doc, "mediaType", false);
  if (m.media_type.empty())
    m.media_type = media_type::kOciManifest;
  auto cfg = j.find("config");
  if (cfg == j.end())
    malformed(doc, "config", "is missing");
  m.config = descriptor_from(*cfg, doc);
  if (auto it = j.find("layers"); it != j.end()) {
    if (!it->is_array())
      malformed(doc, "layers", "is not an array");
    for (const auto& l : *it)
      m.layers.push_back(descriptor_from(l, doc));
  }
  m.annotations = get_string_map(j, doc, "annotations");
  return m;
}

Index parse_index(std::string_view text) {
  constexpr std::string_view doc = "image index";
  json j = parse_document(text, doc);
  Index index;
  index.media_type = get_string(j, doc, "mediaType", false);
  if (index.media_type.empty())
    index.media_type = media_type::kOciIndex;
  auto it = j.find("manifests");
  if (it == j.end() || !it->is_array())
    malformed(doc, "manifests", "is missing");
  for (const auto& d : *it)
    index.manifests.push_back(descriptor_from(d, doc));
  index.annotations = get_string_map(j, doc, "annotations");
  return index;
}

std::string media_type_of(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return {};
  auto it = j.find("mediaType");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string rfc3339(std::int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace stowage::layers
