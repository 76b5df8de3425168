#include "core/printable.h"

#include <cstdint>
#include <cstdio>

namespace stowage {
namespace {

std::string hex_escape(unsigned char byte) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  return buf;
}

// The length of the well-formed UTF-8 sequence at the start of `s` (overlong forms, surrogates
// and code points above U+10FFFF are not well formed), with its code point; 0 if there is none.
std::size_t utf8_sequence(std::string_view s, char32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  char32_t min = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code_point = lead & 0x1f, min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code_point = lead & 0x0f, min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code_point = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length)
    return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0) != 0x80)
      return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3f);
  }
  const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
  if (code_point < min || code_point > 0x10ffff || surrogate)
    return 0;
  return length;
}

bool is_bidi_control(char32_t c) {
  return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  static constexpr std::string_view kEllipsis = "\u2026";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::string piece;
    std::size_t consumed = 1;
    char32_t code_point = 0;
    if (c == '\n') {
      piece = "\\n";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      piece = hex_escape(c);
    } else if (c < 0x80) {
      piece = std::string(1, static_cast<char>(c));
    } else if (std::size_t n = utf8_sequence(text.substr(i), code_point); n == 0) {
      piece = hex_escape(c);
    } else if (code_point < 0xa0) {
      // C1 controls (U+0080..U+009F, CSI among them) act like ESC sequences on many terminals.
      piece = hex_escape(static_cast<unsigned char>(code_point));
      consumed = n;
    } else if (is_bidi_control(code_point)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(code_point));
      piece = buf;
      consumed = n;
    } else {
      piece = std::string(text.substr(i, n));
      consumed = n;
    }
    if (out.size() + piece.size() > max_bytes) {
      out += kEllipsis;
      return out;
    }
    out += piece;
    i += consumed;
  }
  return out;
}

void print_warning(std::string_view message) {
  std::fprintf(stderr, "stowage: warning: %s\n", printable(message, kPrintableMessageMax).c_str());
}

}  // namespace stowage
