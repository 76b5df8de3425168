// The knowledge-base document compiled into the binary (generated from
// knowledge/data/frameworks.json by knowledge/embed_json.cmake at build time).
#pragma once

#include <string_view>

namespace stowage::knowledge {

std::string_view embedded_frameworks_json();

}  // namespace stowage::knowledge
