// Kubernetes resource quantities ("16Gi", "500m", "1.5", "2e3"), checked before they reach
// a cluster that would refuse them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stowage::kube {

// The value of `text` in base units (bytes, cores) when it follows the Kubernetes quantity
// grammar (signed number, then one of Ki Mi Gi Ti Pi Ei, m k M G T P E, or e<exp>);
// std::nullopt otherwise.
std::optional<long double> parse_quantity(std::string_view text);

// For a common mistake ("16GB", "16gb", "16GiB", "512mb"), the quantity that was meant
// ("16Gi", "512Mi"); empty when there is no obvious fix.
std::string suggest_quantity(std::string_view text);

// `bytes` as a whole number of Mi ("1024Mi"), rounded down, at least 1Mi.
std::string mebibytes(long double bytes);

}  // namespace stowage::kube
