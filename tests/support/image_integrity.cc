#include "tests/support/image_integrity.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "layers/digest.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;

namespace stowage::testing {

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

std::string layout_digest(const fs::path& dir) {
  auto index = nlohmann::json::parse(read_file(dir / "index.json"));
  REQUIRE(index["manifests"].size() == 1);
  return index["manifests"][0]["digest"].get<std::string>();
}

std::vector<std::string> temporaries_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec))
    return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (is_temporary_name(it->path().filename().string()))
      out.push_back(it->path().string());
  }
  return out;
}

namespace {

std::string sha256_of_file(const fs::path& file) {
  return std::string(layers::Digest::of(read_file(file)).hex());
}

}  // namespace

std::vector<std::string> corrupt_blobs(const fs::path& blobs_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(blobs_dir, ec))
    return out;
  for (const auto& e : fs::directory_iterator(blobs_dir)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || is_temporary_name(name))
      continue;
    if (sha256_of_file(e.path()) != name)
      out.push_back(e.path().string());
  }
  return out;
}

std::vector<std::string> layout_problems(const fs::path& dir) {
  std::vector<std::string> out;
  auto blob = [&](const std::string& digest) -> std::optional<std::string> {
    fs::path p = dir / "blobs" / "sha256" / digest.substr(7);
    if (!fs::exists(p)) {
      out.push_back("missing " + digest);
      return std::nullopt;
    }
    std::string data = read_file(p);
    if (layers::Digest::of(data).str() != digest) {
      out.push_back("corrupt " + digest);
      return std::nullopt;
    }
    return data;
  };
  try {
    if (!fs::exists(dir / "oci-layout"))
      out.push_back("no oci-layout file");
    auto index = nlohmann::json::parse(read_file(dir / "index.json"));
    for (const auto& m : index.at("manifests")) {
      auto raw = blob(m.at("digest").get<std::string>());
      if (!raw)
        continue;
      auto manifest = nlohmann::json::parse(*raw);
      blob(manifest.at("config").at("digest").get<std::string>());
      for (const auto& l : manifest.at("layers"))
        blob(l.at("digest").get<std::string>());
    }
  } catch (const std::exception& e) {
    out.push_back(std::string("unreadable: ") + e.what());
  }
  return out;
}

TagState tag_state(const std::string& host, const std::string& repo, const std::string& tag) {
  TagState state;
  const std::string base = "http://" + host + "/v2/" + repo;
  auto manifest = run({"curl", "-s", "-w", "\n%{http_code}", "-H",
                       "Accept: application/vnd.oci.image.manifest.v1+json, "
                       "application/vnd.docker.distribution.manifest.v2+json",
                       base + "/manifests/" + tag});
  REQUIRE(manifest.exit_code == 0);
  auto cut = manifest.out.rfind('\n');
  std::string status = manifest.out.substr(cut + 1);
  std::string body = manifest.out.substr(0, cut);
  if (status == "404")
    return state;
  INFO(manifest.out);
  REQUIRE(status == "200");
  state.digest = layers::Digest::of(body).str();
  auto m = nlohmann::json::parse(body);
  std::vector<std::string> blobs{m.at("config").at("digest").get<std::string>()};
  std::transform(m.at("layers").begin(), m.at("layers").end(), std::back_inserter(blobs),
                 [](const nlohmann::json& l) { return l.at("digest").get<std::string>(); });
  for (const auto& d : blobs) {
    auto head =
        run({"curl", "-s", "-o", "/dev/null", "-I", "-w", "%{http_code}", base + "/blobs/" + d});
    if (head.out != "200")
      state.missing.push_back(d + " (HTTP " + head.out + ")");
  }
  return state;
}

}  // namespace stowage::testing
