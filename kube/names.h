// The name syntaxes Kubernetes enforces, checked here so a bad name fails at generation time
// with the field that holds it, not at `kubectl apply`.
#pragma once

#include <string_view>

namespace stowage::kube {

// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric (namespaces, ports).
bool is_dns1123_label(std::string_view name);
// RFC 1035 label: a DNS-1123 label that starts with a letter (Service names).
bool is_dns1035_label(std::string_view name);
// RFC 1123 subdomain: 1-253 chars, dot-separated DNS-1123 labels (most object names).
bool is_dns1123_subdomain(std::string_view name);
// Label/annotation key: [DNS-1123 subdomain "/"] name, name 1-63 of [A-Za-z0-9-_.] starting
// and ending alphanumeric (also extended resource names like "nvidia.com/gpu").
bool is_qualified_name(std::string_view key);
// Label value: empty, or 1-63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
bool is_label_value(std::string_view value);

}  // namespace stowage::kube
