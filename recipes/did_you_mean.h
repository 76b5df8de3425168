// Suggestions for misspelt names ("modle" → "model").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace stowage::recipes {

// The edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of
// two neighbouring characters each count one. Case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a likely typo (at most one
// edit per three characters, at least one); the first such candidate on a tie. nullopt when
// no candidate is that close.
std::optional<std::string> did_you_mean(std::string_view word,
                                        std::span<const std::string_view> candidates);

}  // namespace stowage::recipes
