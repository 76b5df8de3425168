#include "tests/support/stowage_cli.h"

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
  write_text(dir / "app/serve", std::string("\x7f") + "ELF stand-in " + std::to_string(seed));
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

}  // namespace stowage::testing
