// The content-addressed store of downloaded wheels: <dir>/files/<sha256 hex>, in the
// directory the caller hands it (the build cache's wheel download area).
//
// A file appears under its digest only after its bytes were hashed and found to be one the
// lock accepts; a download that fails or does not match leaves nothing behind. Where a file
// came from (URL, or local path plus stat fingerprint) is remembered under <dir>/memo,
// so a warm cache fetches nothing and reads nothing: a listing's own sha256, or the memo,
// names the cached file directly. Several processes may share the store.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "net/http_client.h"
#include "python/simple_index.h"

namespace stowage::python {

class WheelCache {
 public:
  // Uses (and creates) `dir`.
  explicit WheelCache(std::filesystem::path dir);

  struct Fetched {
    std::filesystem::path path;  // the verified file in the store
    std::string sha256;          // its digest, one of the accepted ones
    bool downloaded = false;     // false when the store already had it
  };

  // The verified local copy of `file`, downloading (or copying a local file) when needed.
  // `accepted` are the lock's sha256 digests for the package; `lock_line` locates errors.
  // Throws Error naming the file, the expected and the actual digest when they differ
  // (also when the listing itself states a digest the lock does not accept).
  Fetched fetch(net::HttpClient& http, const IndexFile& file,
                const std::vector<std::string>& accepted, const SourceLocation& lock_line) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace stowage::python
