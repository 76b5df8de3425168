// Text from outside stowage (registry answers, image configs, file names) made safe to print
// on one line of a terminal or a CI log.
//
// Raw, such text could carry ESC sequences that recolour, move the cursor or rewrite what was
// printed, or a newline followed by a line a CI runner obeys (GitHub Actions' "::add-mask::",
// "::set-output"). printable() keeps ordinary text, UTF-8 included, and shows everything else
// visibly escaped: \n \r \t, other control characters (C0, DEL, C1) and bytes that are not
// valid UTF-8 as \xNN, and Unicode bidirectional controls (which reorder what a reader sees) as
// \u{NNNN}. Text longer than `max_bytes` is cut at a character boundary and ends in "…".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stowage {

inline constexpr std::size_t kPrintableDefaultMax = 1024;
// Long enough for any message stowage writes itself; a registry's or an index's novel is cut.
inline constexpr std::size_t kPrintableMessageMax = 4096;

std::string printable(std::string_view text, std::size_t max_bytes = kPrintableDefaultMax);

// Writes "stowage: warning: MESSAGE" to stderr as one printable() line. Every warning goes
// through here: they quote file names, wheel names and what an index or a base image said.
void print_warning(std::string_view message);

}  // namespace stowage
