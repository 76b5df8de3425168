#include "cli/flag_limits.h"

#include <string>

#include "core/error.h"
#include "core/printable.h"
#include "layers/oci_layout.h"
#include "layers/tar_writer.h"

namespace stowage::cli {

void check_threads(int threads) {
  if (threads < 0 || threads > kMaxThreads) {
    throw InputError("--threads " + std::to_string(threads) + " is out of range",
                     "give 0 (one per core) up to " + std::to_string(kMaxThreads));
  }
}

void check_chunk_size(std::int64_t bytes) {
  if (bytes < 0 || (bytes > 0 && bytes < kMinChunkSize)) {
    throw InputError("--chunk-size " + std::to_string(bytes) + " is too small",
                     "give 0 (one request per blob) or at least " + std::to_string(kMinChunkSize) +
                         " bytes (1 MiB)");
  }
}

void check_layout_tag(std::string_view flag, std::string_view tag) {
  if (!layers::valid_ref_name(tag)) {
    throw InputError(std::string(flag) + " \"" + printable(tag) + "\" is not a valid image name",
                     "use letters and digits separated by one of - . _ : @ + / (e.g. v1.2), "
                     "as OCI layouts require");
  }
}

void check_json_text(std::string_view flag, std::string_view value) {
  if (!layers::valid_utf8(value)) {
    throw InputError(std::string(flag) + " \"" + printable(value) + "\" is not valid UTF-8",
                     "--json prints it, and JSON can hold only text; rename it or leave out "
                     "--json");
  }
}

}  // namespace stowage::cli
