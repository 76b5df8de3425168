#include "kube/quantity.h"

#include <cctype>
#include <cmath>
#include <utility>

namespace stowage::kube {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Consumes "[+-](digits[.digits]|.digits)" from the front of `s`; the number's length or 0.
std::size_t signed_number_length(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-'))
    ++i;
  const std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i]))
    ++i;
  const bool has_int = i > int_start;
  bool has_frac = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t frac_start = i;
    while (i < s.size() && is_digit(s[i]))
      ++i;
    has_frac = i > frac_start;
  }
  return (has_int || has_frac) ? i : 0;
}

std::optional<long double> suffix_multiplier(std::string_view suffix) {
  static constexpr std::pair<std::string_view, long double> kSuffixes[] = {
      {"", 1.0L},      {"m", 1e-3L},    {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},
      {"T", 1e12L},    {"P", 1e15L},    {"E", 1e18L},    {"Ki", 0x1p10L}, {"Mi", 0x1p20L},
      {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L},
  };
  for (const auto& [name, factor] : kSuffixes) {
    if (suffix == name)
      return factor;
  }
  if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E')) {
    const std::string_view exponent = suffix.substr(1);
    if (signed_number_length(exponent) != exponent.size() || exponent.empty())
      return std::nullopt;
    if (exponent.find('.') != std::string_view::npos)
      return std::nullopt;
    return std::pow(10.0L, std::stold(std::string(exponent)));
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<long double> parse_quantity(std::string_view text) {
  const std::size_t n = signed_number_length(text);
  if (n == 0)
    return std::nullopt;
  const auto multiplier = suffix_multiplier(text.substr(n));
  if (!multiplier)
    return std::nullopt;
  return std::stold(std::string(text.substr(0, n))) * *multiplier;
}

std::string suggest_quantity(std::string_view text) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && trimmed.front() == ' ')
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == ' ')
    trimmed.remove_suffix(1);
  const std::size_t n = signed_number_length(trimmed);
  if (n == 0 || trimmed[0] == '-')
    return {};
  std::string unit = lower(trimmed.substr(n));
  while (!unit.empty() && unit.front() == ' ')
    unit.erase(0, 1);
  static constexpr std::pair<std::string_view, std::string_view> kFixes[] = {
      {"kb", "Ki"}, {"kib", "Ki"}, {"ki", "Ki"},  {"mb", "Mi"}, {"mib", "Mi"}, {"mi", "Mi"},
      {"gb", "Gi"}, {"gib", "Gi"}, {"gi", "Gi"},  {"g", "Gi"},  {"tb", "Ti"},  {"tib", "Ti"},
      {"ti", "Ti"}, {"pb", "Pi"},  {"pib", "Pi"}, {"b", ""},    {"bytes", ""},
  };
  for (const auto& [wrong, right] : kFixes) {
    if (unit == wrong)
      return std::string(trimmed.substr(0, n)) + std::string(right);
  }
  return {};
}

std::string mebibytes(long double bytes) {
  const long double mi = std::floor(bytes / 0x1p20L);
  return std::to_string(mi < 1 ? 1 : static_cast<long long>(mi)) + "Mi";
}

}  // namespace stowage::kube
