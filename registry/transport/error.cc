#include "registry/transport/error.h"

#include <nlohmann/json.hpp>

#include "core/printable.h"

namespace stowage::registry::transport {

Error registry_error(const net::Response& response, const std::string& what) {
  std::string detail;
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object())
        continue;
      // The registry's words reach terminals and CI logs: made printable, and short. A field
      // of another type is ignored (value() would throw a bare json type_error).
      auto text = [&](const char* key) {
        auto it = e.find(key);
        return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      std::string code = printable(text("code"), 64);
      std::string message = printable(text("message"), 300);
      if (!detail.empty())
        detail += "; ";
      detail += code;
      if (!message.empty())
        detail += (code.empty() ? "" : ": ") + message;
    }
  }
  std::string reason = what + " failed: HTTP " + std::to_string(response.status);
  if (!detail.empty())
    reason += " (" + printable(detail, 600) + ")";
  std::string hint;
  switch (response.status) {
    case 401:
      hint =
          "the registry refused the credentials; log in (docker login, podman login) or check "
          "the auth file";
      break;
    case 403:
      hint = "the credentials lack permission for this repository";
      break;
    case 404:
      hint = "check the repository and tag";
      break;
    case 429:
      hint = "the registry is rate-limiting; try again later";
      break;
    default:
      if (response.status >= 500)
        hint = "the registry failed; try again later";
  }
  return Error(reason, hint);
}

}  // namespace stowage::registry::transport
