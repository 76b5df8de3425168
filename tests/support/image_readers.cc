#include "tests/support/image_readers.h"

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

std::string skopeo_digest(const std::string& ref, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"skopeo", "inspect", "--format", "{{.Digest}}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("docker://" + ref);
  std::string out = run_ok(argv);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

fs::path umoci_unpack(const fs::path& layout, const std::string& tag, const fs::path& bundle) {
  run_ok(
      {"umoci", "unpack", "--rootless", "--image", layout.string() + ":" + tag, bundle.string()});
  return bundle / "rootfs";
}

}  // namespace stowage::testing
