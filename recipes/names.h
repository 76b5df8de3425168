// Name rules that Kubernetes and the OCI distribution spec enforce, checked in the recipe so
// that a bad name fails before a build instead of at `kubectl apply` or at push time.
#pragma once

#include <string>
#include <string_view>

namespace stowage::recipes {

// RFC 1123 label as Kubernetes uses it: at most 63 of [a-z0-9-], starting and ending with an
// alphanumeric ("sentiment-api"). Object names, namespaces, container names.
bool is_dns1123_label(std::string_view name);
// A label made from `name` by lower-casing it and turning every other character into '-'
// ("Sentiment_API" → "sentiment-api"); empty when nothing usable is left.
std::string to_dns1123_label(std::string_view name);
// RFC 1123 subdomain: dot-separated labels, at most 253 characters. Secret names.
bool is_dns1123_subdomain(std::string_view name);

// A Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63
// alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric.
bool is_label_key(std::string_view key);
// A Kubernetes label value: empty, or like the name part of a key.
bool is_label_value(std::string_view value);

}  // namespace stowage::recipes
