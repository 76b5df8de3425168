// Limits on flags whose raw values would be harmful, each with its reason. Every check throws
// InputError (exit 2) naming the flag, the value given and what is accepted.
#pragma once

#include <cstdint>
#include <string_view>

namespace stowage::cli {

// More workers than this only add memory (each has its stack and, compressing, a zstd context
// of tens of MiB) and contention: 256 is well above the cores of any CI runner, while
// --threads 100000 would exhaust memory or the process limit before doing any work.
inline constexpr int kMaxThreads = 256;

// The smallest upload chunk: every chunk is one HTTP request and round trip, so 1-byte chunks
// would send a billion requests per GiB. 1 MiB keeps that overhead under a few per cent while
// staying far below the request-size caps (tens to hundreds of MiB) that chunking is for.
inline constexpr std::int64_t kMinChunkSize = std::int64_t{1} << 20;

// --threads: 0 (one per core) to kMaxThreads.
void check_threads(int threads);

// --chunk-size: 0 (one request per blob) or at least kMinChunkSize.
void check_chunk_size(std::int64_t bytes);

// `flag` (--tag) names an image in an OCI layout: layers::valid_ref_name().
void check_layout_tag(std::string_view flag, std::string_view tag);

// With --json, a path given as `flag` that the result repeats must be valid UTF-8: JSON holds
// only text, and finding out after the work is done would lose its result to a library error.
void check_json_text(std::string_view flag, std::string_view value);

}  // namespace stowage::cli
