// Reading a YAML document field by field, keeping the file:line:col of every value.
// Internal to recipes/: other modules see only recipe.h.
//
// The recipe parser walks the document through YamlValue and YamlMap. They turn every
// mismatch into an InputError at the offending value: wrong type, unknown key (with a
// did-you-mean), duplicate key, missing required key. Every value read is recorded in the
// context's location table under its dotted path ("deploy.resources.memory", "model[1].src").
//
// Scalars are typed the way YAML 1.2's core schema types them, plus YAML 1.1's yes/no/on/off
// booleans (which other YAML readers still apply): an unquoted 3.10 is a number, an unquoted
// yes a boolean. String fields refuse such scalars instead of taking their text, because an
// editor, a schema validator or kubectl would read them as numbers and booleans.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace stowage::recipes {

// A key a mapping may hold. A key with children holds a mapping with those keys, or, when
// `list` is set, a list of such mappings (a single mapping is accepted as a one-item list).
struct KeySpec {
  std::string_view name;
  std::span<const KeySpec> children = {};
  bool list = false;
};

struct YamlContext {
  std::string file;                                  // for messages
  std::span<const KeySpec> root;                     // the document's keys, for "belongs under"
  std::map<std::string, SourceLocation>* locations;  // filled with every value read; not owned
};

class YamlMap;

class YamlValue {
 public:
  // Records `where` as the location of `path`.
  YamlValue(const YamlContext& context, YAML::Node node, std::string path, SourceLocation where);

  const std::string& path() const { return path_; }
  const SourceLocation& where() const { return where_; }
  const YAML::Node& node() const { return node_; }
  const YamlContext& context() const { return *context_; }

  // Throws InputError(what, hint) at this value.
  [[noreturn]] void fail(std::string what, std::string hint = {}) const;

  bool is_map() const { return node_.IsMap(); }
  bool is_list() const { return node_.IsSequence(); }
  bool is_null() const;
  // Whether this is an unquoted scalar that YAML reads as a string (not a number, boolean...).
  bool is_string() const;

  // A string. Refuses lists, mappings, and unquoted numbers, booleans and nulls, with a hint to
  // quote them.
  std::string string() const;
  // A string or a number, as written ("4", "0.5", "16Gi"). Refuses everything else.
  std::string string_or_number() const;
  // An unquoted whole number within [min, max].
  std::int64_t integer(std::int64_t min, std::int64_t max) const;
  // true or false.
  bool boolean() const;
  // The items of a list; their paths are path[0], path[1], ...
  std::vector<YamlValue> items() const;
  // A list of strings (see string()).
  std::vector<std::string> strings() const;
  // A mapping whose keys must be among `keys`; checks for unknown and duplicate keys.
  YamlMap map(std::span<const KeySpec> keys) const;
  // A mapping with free-form, unique, non-empty string keys; values at path.KEY.
  std::vector<std::pair<std::string, YamlValue>> entries() const;

  // "a list", "the number 3.10", "the string \"x\"": what this value is, for messages.
  std::string describe() const;
  // The key this value sits under ("port" for serve.port); empty for a list item.
  std::string key() const;
  // How `text` is written as this value, for hints: "port: 8080", or "8080" for a list item.
  std::string written(std::string_view text) const;

 private:
  [[noreturn]] void wrong_type(std::string_view expected, std::string hint = {}) const;
  std::vector<std::pair<YAML::Node, YAML::Node>> unique_pairs() const;

  const YamlContext* context_;
  YAML::Node node_;
  std::string path_;
  SourceLocation where_;
};

// A mapping whose keys were checked against a KeySpec list.
class YamlMap {
 public:
  YamlMap(const YamlValue& owner, std::span<const KeySpec> keys,
          std::vector<std::pair<YAML::Node, YAML::Node>> pairs);

  // The value under `key`, if present. `key` must be one of the spec's keys.
  std::optional<YamlValue> get(std::string_view key) const;
  // The value under `key`; refuses its absence with `hint`.
  YamlValue require(std::string_view key, std::string hint) const;
  bool has(std::string_view key) const;
  const YamlValue& owner() const { return owner_; }

 private:
  YamlValue owner_;
  std::span<const KeySpec> keys_;
  std::vector<std::pair<YAML::Node, YAML::Node>> pairs_;
};

// The 1-based location of a yaml-cpp mark in `file`.
SourceLocation location_of(const std::string& file, const YAML::Mark& mark);

}  // namespace stowage::recipes
