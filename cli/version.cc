#include "cli/version.h"

#include <archive.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>
#include <zstd.h>

#include <nlohmann/json.hpp>

namespace stowage::cli {

std::string version() {
  return STOWAGE_VERSION;
}

std::string library_versions() {
  std::string out;
  out += fmt::format("{}\n", archive_version_string());
  out += fmt::format("{}\n", OpenSSL_version(OPENSSL_VERSION));
  out += fmt::format("libcurl {}\n", curl_version_info(CURLVERSION_NOW)->version);
  out += fmt::format("zstd {}\n", ZSTD_versionString());
  out += fmt::format("zlib {}\n", zlibVersion());
  out += fmt::format("nlohmann_json {}.{}.{}\n", NLOHMANN_JSON_VERSION_MAJOR,
                     NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH);
  out += fmt::format("fmt {}.{}.{}\n", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                     FMT_VERSION % 100);
  return out;
}

}  // namespace stowage::cli
