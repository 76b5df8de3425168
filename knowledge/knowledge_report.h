// What `stowage frameworks [NAME]` and `stowage doctor [RECIPE]` print, as library functions.
// The CLI writes the text to stdout, or the JSON (dump()) when --json is given.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "knowledge/knowledge.h"

namespace stowage::knowledge {

// Every known framework (or only `name`, which may also be a package name such as "torch"):
// versions, their CUDA builds, Python ranges and companions; then the CUDA driver table.
// Throws InputError naming the known frameworks when `name` is unknown.
std::string frameworks_text(const KnowledgeBase& kb, std::string_view name = {});
// The same as JSON: {"schema_version", "frameworks": [...], "cuda": [...] (only without NAME)}.
nlohmann::json frameworks_json(const KnowledgeBase& kb, std::string_view name = {});

// The resolved combination, wheel index, base image and node requirements (driver, GPUs).
std::string doctor_text(const Resolution& r);
nlohmann::json doctor_json(const Resolution& r);

}  // namespace stowage::knowledge
