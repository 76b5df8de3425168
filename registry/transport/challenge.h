// WWW-Authenticate challenges (RFC 7235), as registries send them on 401:
//   Bearer
//   realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a:pull"
//   Basic realm="Registry Realm"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stowage::registry::transport {

struct Challenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercased, values unquoted

  // The parameter `key` (lowercase), or "" when absent.
  std::string param(std::string_view key) const;
};

// Parses one WWW-Authenticate header value, which may hold several challenges. Quoted strings
// may contain commas, '=' and backslash escapes. Malformed trailing parts are ignored rather
// than thrown on: a challenge is advice, and the caller reports "no usable challenge" itself.
std::vector<Challenge> parse_challenges(std::string_view header);

}  // namespace stowage::registry::transport
