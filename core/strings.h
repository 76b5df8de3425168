// Text helpers for protocol and file-format text: header names, URLs, package names, units.
//
// Everything here is ASCII-only and ignores the C locale on purpose: the text compared is
// defined by specifications (HTTP, PEP 503, OCI), so "I" must lower-case to "i" on every
// machine, and bytes above 0x7F (UTF-8) pass through unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stowage {

// 'A'..'Z' → 'a'..'z'; every other byte unchanged.
char to_lower(char c);
std::string to_lower(std::string_view s);
// 'a'..'z' → 'A'..'Z'; every other byte unchanged.
std::string to_upper(std::string_view s);

// Equal when ASCII letters are compared without case ("Content-Length", "content-length").
bool iequals(std::string_view a, std::string_view b);
// `s` ends with `suffix`, ASCII letters compared without case ("MODEL.GGUF", ".gguf").
bool iends_with(std::string_view s, std::string_view suffix);

// `s` without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r). The view
// points into `s`.
std::string_view trim(std::string_view s);

// The pieces of `s` between `separator`s; "" gives {""} and "a,,b" gives {"a", "", "b"}.
std::vector<std::string> split(std::string_view s, char separator);
// The items with `separator` between each two.
std::string join(const std::vector<std::string>& items, std::string_view separator);

// "%2B" → "+" (RFC 3986). A '%' not followed by two hex digits is kept as it is: URLs found in
// indexes and locks are not always well-formed, and a lenient decode names the file anyway.
std::string percent_decode(std::string_view s);

}  // namespace stowage
