// Kubernetes resource quantities ("16Gi", "500m", "1.5", "2e3"), as the API server reads them.
//
// The grammar is Kubernetes' own: a signed decimal number followed by a binary suffix
// (Ki Mi Gi Ti Pi Ei), a decimal suffix (m, k, M, G, T, P, E, or none) or a decimal exponent
// (e3, E-2). Anything else is refused by the API server, so the recipe refuses it first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stowage::recipes {

// The value of `text` ("16Gi" → 17179869184, "500m" → 0.5); nullopt when it is not a quantity.
std::optional<long double> parse_quantity(std::string_view text);

// `text` as a whole number of bytes, rounded up as Kubernetes does; nullopt when it is not a
// quantity, is negative, or does not fit in 63 bits.
std::optional<std::int64_t> quantity_bytes(std::string_view text);

// The quantity the user probably meant by a malformed one: "16GB" → "16Gi", "2 Gi" → "2Gi",
// "4 cores" → "4". Empty when there is no plausible reading.
std::string suggest_quantity(std::string_view text);

}  // namespace stowage::recipes
