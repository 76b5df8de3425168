// Block-style YAML from a JSON value, written to read the same under YAML 1.1 and 1.2.
//
// Strings are left plain only when they cannot be read as anything else (they start with a
// letter or '/', hold only [A-Za-z0-9_./-], and are not one of YAML 1.1's booleans or null
// words); every other string is double-quoted with JSON escapes, which YAML shares. Object
// keys come out in the JSON value's order (sorted, for nlohmann::json). Deterministic.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace stowage::kube {

// The document for `value`, ending in a newline, without a "---" marker.
std::string to_yaml(const nlohmann::json& value);

}  // namespace stowage::kube
