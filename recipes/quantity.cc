#include "recipes/quantity.h"

#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <utility>

#include "core/strings.h"

namespace stowage::recipes {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Splits "16Gi" into "16" and "Gi": the longest prefix that is a signed decimal number.
// Returns false when there is no digit in the number part.
bool split_number(std::string_view text, std::string_view& number, std::string_view& suffix) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-'))
    ++i;
  bool digits = false;
  while (i < text.size() && is_digit(text[i])) {
    ++i;
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
      digits = true;
    }
  }
  if (!digits)
    return false;
  number = text.substr(0, i);
  suffix = text.substr(i);
  return true;
}

// The decimal exponent or binary shift a suffix stands for; nullopt for an unknown suffix.
struct Scale {
  int decimal_exponent = 0;
  int binary_shift = 0;
};

std::optional<Scale> suffix_scale(std::string_view suffix) {
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary{
      {{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};
  static constexpr std::array<std::pair<std::string_view, int>, 8> kDecimal{
      {{"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}}};
  for (const auto& [name, bits] : kBinary) {
    if (suffix == name)
      return Scale{0, bits};
  }
  for (const auto& [name, exponent] : kDecimal) {
    if (suffix == name)
      return Scale{exponent, 0};
  }
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string_view exponent = suffix.substr(1);
    std::size_t start = (exponent[0] == '+' || exponent[0] == '-') ? 1 : 0;
    if (start == exponent.size() || exponent.size() - start > 3)
      return std::nullopt;
    for (std::size_t i = start; i < exponent.size(); ++i) {
      if (!is_digit(exponent[i]))
        return std::nullopt;
    }
    return Scale{std::stoi(std::string(exponent)), 0};
  }
  return std::nullopt;
}

}  // namespace

std::optional<long double> parse_quantity(std::string_view text) {
  std::string_view number;
  std::string_view suffix;
  if (!split_number(text, number, suffix))
    return std::nullopt;
  auto scale = suffix_scale(suffix);
  if (!scale)
    return std::nullopt;
  long double value = std::ldexp(std::stold(std::string(number)), scale->binary_shift);
  // Dividing by 10^n keeps "500m" exactly 0.5, which multiplying by 10^-n would not.
  if (scale->decimal_exponent < 0)
    return value / std::pow(10.0L, -scale->decimal_exponent);
  return value * std::pow(10.0L, scale->decimal_exponent);
}

std::optional<std::int64_t> quantity_bytes(std::string_view text) {
  auto value = parse_quantity(text);
  if (!value || *value < 0)
    return std::nullopt;
  long double bytes = std::ceil(*value);
  if (bytes >= std::ldexp(1.0L, 63))
    return std::nullopt;
  return static_cast<std::int64_t>(bytes);
}

std::string suggest_quantity(std::string_view text) {
  std::string_view number;
  std::string_view suffix;
  if (!split_number(trim(text), number, suffix))
    return {};
  std::string unit = to_lower(trim(suffix));
  // Units people write that Kubernetes spells differently. Sizes become binary units:
  // "16GB" almost always means what Kubernetes calls 16Gi.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kSpellings{{
      {"b", ""},     {"byte", ""}, {"bytes", ""}, {"k", "Ki"},         {"kb", "Ki"}, {"kib", "Ki"},
      {"ki", "Ki"},  {"mb", "Mi"}, {"mib", "Mi"}, {"mi", "Mi"},        {"g", "Gi"},  {"gb", "Gi"},
      {"gib", "Gi"}, {"gi", "Gi"}, {"tb", "Ti"},  {"tib", "Ti"},       {"ti", "Ti"}, {"core", ""},
      {"cores", ""}, {"cpu", ""},  {"cpus", ""},  {"millicores", "m"},
  }};
  for (const auto& [spelling, canonical] : kSpellings) {
    if (unit == spelling) {
      std::string suggestion = std::string(number) + std::string(canonical);
      if (suggestion != text && parse_quantity(suggestion))
        return suggestion;
      return {};
    }
  }
  // Right unit, stray spaces ("2 Gi").
  std::string squeezed = std::string(number) + std::string(trim(suffix));
  if (squeezed != text && parse_quantity(squeezed))
    return squeezed;
  return {};
}

}  // namespace stowage::recipes
