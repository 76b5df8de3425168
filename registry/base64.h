// Base64 (RFC 4648, standard alphabet, padded) for Basic auth and docker config "auth" fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stowage::registry {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace stowage::registry
