#include "recipes/yaml_value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "recipes/did_you_mean.h"

namespace stowage::recipes {
namespace {

enum class ScalarKind { string, integer, floating, boolean, null, other_tag };

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

bool is_plain_int(std::string_view s) {
  if (s.starts_with("0x"))
    return all_of(s.substr(2), is_hex);
  if (s.starts_with("0o"))
    return all_of(s.substr(2), is_octal);
  if (!s.empty() && (s[0] == '-' || s[0] == '+'))
    s.remove_prefix(1);
  return all_of(s, is_digit);
}

bool is_plain_float(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+'))
    s.remove_prefix(1);
  static constexpr std::array<std::string_view, 6> kSpecial{".inf", ".Inf", ".INF",
                                                            ".nan", ".NaN", ".NAN"};
  if (std::find(kSpecial.begin(), kSpecial.end(), s) != kSpecial.end())
    return true;
  std::size_t e = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, e);
  if (e != std::string_view::npos) {
    std::string_view exponent = s.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+'))
      exponent.remove_prefix(1);
    if (!all_of(exponent, is_digit))
      return false;
  }
  std::size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos)
    return e != std::string_view::npos && all_of(mantissa, is_digit);
  std::string_view whole = mantissa.substr(0, dot);
  std::string_view fraction = mantissa.substr(dot + 1);
  if (whole.empty() && fraction.empty())
    return false;
  return (whole.empty() || all_of(whole, is_digit)) &&
         (fraction.empty() || all_of(fraction, is_digit));
}

bool is_plain_bool(std::string_view s) {
  static constexpr std::array<std::string_view, 22> kBooleans{
      "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No",
      "NO",   "on",   "On",   "ON",    "off",   "Off",   "OFF", "y",   "Y",   "n",  "N"};
  return std::find(kBooleans.begin(), kBooleans.end(), s) != kBooleans.end();
}

ScalarKind kind_of(const YAML::Node& node) {
  if (node.IsNull())
    return ScalarKind::null;
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str")
    return ScalarKind::string;
  if (tag == "tag:yaml.org,2002:int")
    return ScalarKind::integer;
  if (tag == "tag:yaml.org,2002:float")
    return ScalarKind::floating;
  if (tag == "tag:yaml.org,2002:bool")
    return ScalarKind::boolean;
  if (tag == "tag:yaml.org,2002:null")
    return ScalarKind::null;
  if (tag != "?")
    return ScalarKind::other_tag;
  const std::string& text = node.Scalar();
  if (text == "~" || text == "null" || text == "Null" || text == "NULL")
    return ScalarKind::null;
  if (is_plain_bool(text))
    return ScalarKind::boolean;
  if (is_plain_int(text))
    return ScalarKind::integer;
  if (is_plain_float(text))
    return ScalarKind::floating;
  return ScalarKind::string;
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::vector<std::string_view> names_of(std::span<const KeySpec> keys) {
  std::vector<std::string_view> names;
  for (const KeySpec& k : keys)
    names.push_back(k.name);
  return names;
}

std::string list_names(std::span<const KeySpec> keys) {
  std::string out;
  for (const KeySpec& k : keys)
    out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

// Where `name` is a key elsewhere in the tree: "serve" for "port". Empty when it is nowhere.
std::string section_holding(std::span<const KeySpec> keys, std::string_view name,
                            const std::string& prefix) {
  for (const KeySpec& k : keys) {
    std::string here = join_path(prefix, k.name) + (k.list ? "[]" : "");
    for (const KeySpec& child : k.children) {
      if (child.name == name)
        return here;
    }
    std::string deeper = section_holding(k.children, name, here);
    if (!deeper.empty())
      return deeper;
  }
  return {};
}

}  // namespace

SourceLocation location_of(const std::string& file, const YAML::Mark& mark) {
  if (mark.line < 0)
    return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

YamlValue::YamlValue(const YamlContext& context, YAML::Node node, std::string path,
                     SourceLocation where)
    : context_(&context), node_(std::move(node)), path_(std::move(path)), where_(std::move(where)) {
  (*context_->locations)[path_] = where_;
}

void YamlValue::fail(std::string what, std::string hint) const {
  throw InputError(std::move(what), std::move(hint), where_);
}

bool YamlValue::is_null() const {
  return node_.IsNull() || kind_of(node_) == ScalarKind::null;
}

bool YamlValue::is_string() const {
  return node_.IsScalar() && kind_of(node_) == ScalarKind::string;
}

std::string YamlValue::key() const {
  if (!path_.empty() && path_.back() == ']')
    return {};
  std::size_t cut = path_.rfind('.');
  return cut == std::string::npos ? path_ : path_.substr(cut + 1);
}

std::string YamlValue::written(std::string_view text) const {
  std::string k = key();
  return k.empty() ? std::string(text) : k + ": " + std::string(text);
}

std::string YamlValue::describe() const {
  if (node_.IsMap())
    return "a mapping";
  if (node_.IsSequence())
    return "a list";
  switch (kind_of(node_)) {
    case ScalarKind::null:
      return "no value";
    case ScalarKind::boolean:
      return "the boolean " + node_.Scalar();
    case ScalarKind::integer:
    case ScalarKind::floating:
      return "the number " + node_.Scalar();
    case ScalarKind::other_tag:
      return "a value tagged " + node_.Tag();
    case ScalarKind::string:
      break;
  }
  return "the string " + in_quotes(node_.Scalar());
}

void YamlValue::wrong_type(std::string_view expected, std::string hint) const {
  if (hint.empty()) {
    if (is_null()) {
      hint = "give " + in_quotes(path_) + " a value or remove it";
    } else if (kind_of(node_) == ScalarKind::other_tag) {
      hint = "remove the tag " + node_.Tag();
    }
  }
  fail(in_quotes(path_) + " must be " + std::string(expected) + ", not " + describe(),
       std::move(hint));
}

std::string YamlValue::string() const {
  if (node_.IsScalar()) {
    ScalarKind kind = kind_of(node_);
    if (kind == ScalarKind::string)
      return node_.Scalar();
    if (kind == ScalarKind::integer || kind == ScalarKind::floating ||
        kind == ScalarKind::boolean) {
      wrong_type("a string", "YAML reads an unquoted " + node_.Scalar() + " as a " +
                                 (kind == ScalarKind::boolean ? "boolean" : "number") +
                                 "; quote it: " + written(in_quotes(node_.Scalar())));
    }
  }
  wrong_type("a string");
}

std::string YamlValue::string_or_number() const {
  if (node_.IsScalar()) {
    ScalarKind kind = kind_of(node_);
    if (kind == ScalarKind::string || kind == ScalarKind::integer || kind == ScalarKind::floating) {
      return node_.Scalar();
    }
  }
  wrong_type("a string or a number");
}

std::int64_t YamlValue::integer(std::int64_t min, std::int64_t max) const {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  if (!node_.IsScalar() || kind_of(node_) != ScalarKind::integer) {
    std::string hint;
    if (node_.IsScalar() && kind_of(node_) == ScalarKind::string) {
      std::int64_t ignored = 0;
      const std::string& text = node_.Scalar();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ignored);
      if (ec == std::errc() && end == text.data() + text.size()) {
        hint = "write it without quotes: " + written(text);
      }
    }
    wrong_type("a whole number", hint.empty() ? "use a whole number from " + range : hint);
  }
  const std::string& text = node_.Scalar();
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+')
    digits.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    fail(in_quotes(path_) + " is out of range: " + text, "use a whole number from " + range);
  }
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    fail(in_quotes(path_) + " must be a decimal number, not " + text, "write it in decimal");
  }
  if (value < min || value > max) {
    fail(in_quotes(path_) + " is out of range: " + text, "use a whole number from " + range);
  }
  return value;
}

bool YamlValue::boolean() const {
  if (node_.IsScalar() && kind_of(node_) == ScalarKind::boolean) {
    const std::string& text = node_.Scalar();
    if (text == "true" || text == "True" || text == "TRUE")
      return true;
    if (text == "false" || text == "False" || text == "FALSE")
      return false;
    fail(in_quotes(path_) + " must be true or false, not " + text,
         "YAML readers disagree about " + text + "; write true or false");
  }
  wrong_type("true or false", "write true or false, without quotes");
}

std::vector<YamlValue> YamlValue::items() const {
  if (!node_.IsSequence())
    wrong_type("a list");
  std::vector<YamlValue> out;
  std::size_t i = 0;
  for (const YAML::Node& item : node_) {
    SourceLocation at = item.IsNull() ? where_ : location_of(context_->file, item.Mark());
    out.emplace_back(*context_, item, path_ + "[" + std::to_string(i++) + "]", at);
  }
  return out;
}

std::vector<std::string> YamlValue::strings() const {
  std::vector<std::string> out;
  for (const YamlValue& item : items())
    out.push_back(item.string());
  return out;
}

std::vector<std::pair<YAML::Node, YAML::Node>> YamlValue::unique_pairs() const {
  std::vector<std::pair<YAML::Node, YAML::Node>> pairs;
  std::map<std::string, int> first_line;
  for (const auto& pair : node_) {
    const YAML::Node k = pair.first;
    SourceLocation at = location_of(context_->file, k.Mark());
    if (!k.IsScalar()) {
      throw InputError(
          "a key in " + in_quotes(path_.empty() ? "the recipe" : path_) + " is not a plain name",
          "keys are names like " + in_quotes("name"), at);
    }
    auto [seen, inserted] = first_line.emplace(k.Scalar(), at.line);
    if (!inserted) {
      throw InputError(
          "duplicate key " + in_quotes(k.Scalar()),
          "it is already set on line " + std::to_string(seen->second) + "; keep one of the two",
          at);
    }
    pairs.emplace_back(k, pair.second);
  }
  return pairs;
}

YamlMap YamlValue::map(std::span<const KeySpec> keys) const {
  if (!node_.IsMap())
    wrong_type("a mapping");
  auto pairs = unique_pairs();
  std::vector<std::string_view> names = names_of(keys);
  for (const auto& [k, v] : pairs) {
    const std::string& name = k.Scalar();
    if (std::find(names.begin(), names.end(), name) != names.end())
      continue;
    std::string where_in = path_.empty() ? "" : " in " + in_quotes(path_);
    std::string hint;
    std::string section = section_holding(context_->root, name, "");
    if (auto guess = did_you_mean(name, names)) {
      hint = "did you mean " + in_quotes(*guess) + "?";
      if (!section.empty())
        hint += " " + in_quotes(name) + " is a key of " + in_quotes(section);
    } else if (!section.empty()) {
      hint = in_quotes(name) + " belongs under " + in_quotes(section);
    } else {
      hint = "known keys here: " + list_names(keys);
    }
    throw InputError("unknown key " + in_quotes(name) + where_in, hint,
                     location_of(context_->file, k.Mark()));
  }
  return YamlMap(*this, keys, std::move(pairs));
}

std::vector<std::pair<std::string, YamlValue>> YamlValue::entries() const {
  if (!node_.IsMap())
    wrong_type("a mapping");
  std::vector<std::pair<std::string, YamlValue>> out;
  for (const auto& [k, v] : unique_pairs()) {
    SourceLocation key_at = location_of(context_->file, k.Mark());
    if (k.Scalar().empty()) {
      throw InputError("an empty key in " + in_quotes(path_), "give every entry a name", key_at);
    }
    SourceLocation at = v.IsNull() ? key_at : location_of(context_->file, v.Mark());
    out.emplace_back(k.Scalar(), YamlValue(*context_, v, join_path(path_, k.Scalar()), at));
  }
  return out;
}

YamlMap::YamlMap(const YamlValue& owner, std::span<const KeySpec> keys,
                 std::vector<std::pair<YAML::Node, YAML::Node>> pairs)
    : owner_(owner), keys_(keys), pairs_(std::move(pairs)) {}

std::optional<YamlValue> YamlMap::get(std::string_view key) const {
  if (std::none_of(keys_.begin(), keys_.end(), [&](const KeySpec& k) { return k.name == key; })) {
    throw std::logic_error("recipe parser reads key " + std::string(key) +
                           " missing from its spec");
  }
  for (const auto& [k, v] : pairs_) {
    if (k.Scalar() != key)
      continue;
    const std::string& file = owner_.where().file;
    SourceLocation at = v.IsNull() ? location_of(file, k.Mark()) : location_of(file, v.Mark());
    return YamlValue(owner_.context(), v, join_path(owner_.path(), key), at);
  }
  return std::nullopt;
}

YamlValue YamlMap::require(std::string_view key, std::string hint) const {
  auto value = get(key);
  if (!value) {
    std::string what = owner_.path().empty() ? "the recipe" : in_quotes(owner_.path());
    owner_.fail(what + " has no " + in_quotes(key), std::move(hint));
  }
  return *value;
}

bool YamlMap::has(std::string_view key) const {
  return std::any_of(pairs_.begin(), pairs_.end(),
                     [&](const auto& pair) { return pair.first.Scalar() == key; });
}

}  // namespace stowage::recipes
