// The knowledge-base document compiled into the binary (generated from
// recipes/data/frameworks.json by recipes/embed_json.cmake at build time).
#pragma once

#include <string_view>

namespace stowage::recipes {

std::string_view embedded_frameworks_json();

}  // namespace stowage::recipes
