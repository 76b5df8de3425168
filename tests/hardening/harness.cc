#include "tests/hardening/harness.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "layers/digest.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;

namespace stowage::testing {

std::vector<std::string> stowage_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{stowage_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

RunOptions stowage_options(const fs::path& cache, std::map<std::string, std::string> env) {
  env["STOWAGE_CACHE"] = cache.string();
  // Never the developer's registry credentials, unless a test names a file.
  env.emplace("REGISTRY_AUTH_FILE", "/nonexistent/auth.json");
  env.emplace("DOCKER_CONFIG", "/nonexistent");
  RunOptions options;
  options.env = std::move(env);
  return options;
}

ProcessResult run_stowage(const std::vector<std::string>& args, const fs::path& cache,
                          std::map<std::string, std::string> env) {
  return run(stowage_argv(args), stowage_options(cache, std::move(env)));
}

void make_project(const fs::path& dir, unsigned seed, int models, std::int64_t model_bytes,
                  const std::string& extra_recipe) {
  for (int i = 0; i < models; ++i) {
    write_random(dir / "models" / ("w" + std::to_string(i) + ".safetensors"), model_bytes,
                 seed * 100 + static_cast<unsigned>(i));
  }
  write_text(dir / "models/config.json", "{\"seed\": " + std::to_string(seed) + "}\n");
  write_text(dir / "app/main.py", "print('serving " + std::to_string(seed) + "')\n");
  // serve.command must name an executable the image holds; scratch has no interpreter, so a
  // stand-in binary (no #! line) plays the server.
  write_text(dir / "app/serve", std::string("\x7f" "ELF stand-in ") + std::to_string(seed));
  fs::permissions(dir / "app/serve", fs::perms::owner_all | fs::perms::group_read |
                                         fs::perms::group_exec | fs::perms::others_read |
                                         fs::perms::others_exec);
  write_text(dir / "stowage.yaml",
             "name: hardened\n"
             "base: scratch\n"
             "model:\n  - {src: models/, dst: /models}\n"
             "code:\n  - {src: app/, dst: /app}\n"
             "env: {MODEL_DIR: /models}\n"
             "serve:\n  command: [/app/serve]\n  port: 8080\n"
             "layering:\n  own_layer_threshold: 64Ki\n" +
                 extra_recipe);
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
