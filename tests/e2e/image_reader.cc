#include "tests/e2e/image_reader.h"

#include <catch2/catch.hpp>
#include <vector>

#include "core/file.h"
#include "layers/digest.h"
#include "tests/support/process.h"

namespace stowage::testing {
namespace fs = std::filesystem;

nlohmann::json skopeo_raw_manifest(const fs::path& layout, const std::string& tag) {
  return nlohmann::json::parse(
      run_ok({"skopeo", "inspect", "--raw", "oci:" + layout.string() + ":" + tag}));
}

nlohmann::json skopeo_config(const fs::path& layout, const std::string& tag) {
  return nlohmann::json::parse(
      run_ok({"skopeo", "inspect", "--config", "oci:" + layout.string() + ":" + tag}));
}

fs::path umoci_unpack(const fs::path& layout, const std::string& tag, const fs::path& bundle) {
  run_ok(
      {"umoci", "unpack", "--rootless", "--image", layout.string() + ":" + tag, bundle.string()});
  return bundle / "rootfs";
}

std::string layout_manifest_digest(const fs::path& layout, const std::string& tag) {
  auto index = nlohmann::json::parse(read_file(layout / "index.json"));
  for (const auto& m : index["manifests"]) {
    if (m["annotations"]["org.opencontainers.image.ref.name"] == tag)
      return m["digest"];
  }
  return {};
}

bool all_blobs_intact(const fs::path& dir, std::string* first_bad) {
  for (const auto& e : fs::directory_iterator(dir / "blobs" / "sha256")) {
    std::string name = e.path().filename().string();
    if (is_temporary_name(name))
      continue;  // not a blob; see the kill test
    layers::Sha256 hash;
    UniqueFd fd = open_for_reading(e.path());
    std::vector<std::byte> buf(1 << 20);
    while (std::size_t n = read_some(fd.get(), buf, e.path())) {
      hash.update(std::span(buf.data(), n));
    }
    std::string actual{hash.finish().hex()};
    if (actual != name) {
      if (first_bad != nullptr)
        *first_bad = name;
      return false;
    }
  }
  return true;
}

}  // namespace stowage::testing
