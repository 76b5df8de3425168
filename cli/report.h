// Shared pieces of what commands print.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "registry/upload.h"

namespace stowage::cli {

// "1.4 GiB", "12 KiB", "512 B".
std::string human_bytes(std::int64_t bytes);

// A progress callback that writes "stowage: <line>" to stderr when stderr is a terminal or
// `forced`; otherwise one that does nothing. Lines go through printable() (core/printable.h):
// they name files and layers whose names come from outside.
std::function<void(const std::string&)> progress_printer(bool forced);

// Upload progress in the same conditions: a line per blob at most every 2 s, and when done.
registry::ProgressCallback upload_progress_printer(bool forced);

}  // namespace stowage::cli
