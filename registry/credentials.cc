#include "registry/credentials.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "registry/base64.h"
#include "registry/reference.h"

extern char** environ;

namespace stowage::registry {
namespace {

using nlohmann::json;

constexpr std::string_view kDockerHubKey = "https://index.docker.io/v1/";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// "https://index.docker.io/v1/" → "index.docker.io"; "ghcr.io" → "ghcr.io".
std::string host_of_key(std::string key) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme))
      key.erase(0, scheme.size());
  }
  return key.substr(0, key.find('/'));
}

bool key_matches(const std::string& key, const std::string& registry) {
  std::string host = host_of_key(key);
  if (registry == kDockerHub) {
    return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
  }
  return host == registry;
}

// The key a helper is asked for: docker's historical URL for Docker Hub, else the host.
std::string helper_server_url(const std::string& registry) {
  return registry == kDockerHub ? std::string(kDockerHubKey) : registry;
}

struct HelperOutput {
  int exit_code = 0;
  std::string out;
};

// A helper reads one short line. One that exits without reading makes the write fail with
// EPIPE, which only means it did not care; SIGPIPE is blocked for this thread meanwhile so it
// cannot kill the process, and a pending one is consumed.
void write_ignoring_epipe(int fd, const std::string& data) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = 0;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EPIPE) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
}

// Runs "docker-credential-<name> get" with `input` on stdin.
HelperOutput run_helper(const std::string& program, const std::string& input,
                        const std::filesystem::path& configured_in) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    throw Error("cannot run credential helper " + program + ": " + errno_text(errno));
  }
  UniqueFd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  std::string arg0 = program, arg1 = "get";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (rc == ENOENT) {
      throw Error("credential helper " + program + " is configured in " + configured_in.string() +
                      " but is not installed",
                  "install " + program + " or remove it from " + configured_in.string());
    }
    throw Error("cannot run credential helper " + program + ": " + errno_text(rc));
  }
  in_r = UniqueFd();
  out_w = UniqueFd();
  write_ignoring_epipe(in_w.get(), input);
  in_w = UniqueFd();
  HelperOutput result;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(out_r.get(), buf, sizeof buf);
    if (n > 0) {
      result.out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    break;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::optional<Credentials> from_helper(const std::string& name, const std::string& registry,
                                       const std::filesystem::path& configured_in) {
  std::string program = "docker-credential-" + name;
  HelperOutput r = run_helper(program, helper_server_url(registry) + "\n", configured_in);
  if (r.exit_code != 0) {
    if (r.out.find("credentials not found") != std::string::npos)
      return std::nullopt;
    throw Error(
        "credential helper " + program + " failed for " + registry + " (exit status " +
            std::to_string(r.exit_code) + ")",
        "run \"echo " + helper_server_url(registry) + " | " + program + " get\" to see why");
  }
  json j = json::parse(r.out, nullptr, false);
  if (!j.is_object() || !j.contains("Secret") || !j["Secret"].is_string()) {
    throw Error("credential helper " + program + " returned something other than credentials for " +
                    registry,
                "it must print {\"Username\": …, \"Secret\": …}");
  }
  Credentials c;
  std::string user = j.value("Username", "");
  std::string secret = j["Secret"].get<std::string>();
  if (user == "<token>") {
    c.identity_token = secret;
  } else {
    c.username = user;
    c.password = secret;
  }
  if (c.empty())
    return std::nullopt;
  return c;
}

std::optional<Credentials> from_auth_entry(const json& entry, const std::filesystem::path& file,
                                           const std::string& key) {
  auto bad = [&](const std::string& why) -> InputError {
    return InputError(file.string() + ": auths[\"" + key + "\"]: " + why,
                      "log in again (docker login / podman login) to rewrite it");
  };
  if (!entry.is_object())
    throw bad("is not an object");
  Credentials c;
  auto str = [&](const char* field) {
    auto it = entry.find(field);
    if (it == entry.end() || it->is_null())
      return std::string();
    if (!it->is_string())
      throw bad(std::string("\"") + field + "\" is not a string");
    return it->get<std::string>();
  };
  if (std::string auth = str("auth"); !auth.empty()) {
    auto decoded = base64_decode(auth);
    if (!decoded)
      throw bad("\"auth\" is not valid base64");
    auto colon = decoded->find(':');
    if (colon == std::string::npos)
      throw bad("\"auth\" does not decode to user:password");
    c.username = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
  } else {
    c.username = str("username");
    c.password = str("password");
  }
  c.identity_token = str("identitytoken");
  if (c.empty())
    return std::nullopt;
  return c;
}

std::optional<Credentials> lookup_in_file(const std::filesystem::path& file,
                                          const std::string& registry) {
  json j = json::parse(read_file(file), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw InputError(file.string() + ": not a JSON object",
                     "fix or remove the file; it holds registry credentials");
  }
  if (auto helpers = j.find("credHelpers"); helpers != j.end() && helpers->is_object()) {
    for (const auto& [key, name] : helpers->items()) {
      if (!key_matches(key, registry))
        continue;
      if (!name.is_string() || name.get<std::string>().empty()) {
        throw InputError(file.string() + ": credHelpers[\"" + key + "\"] is not a helper name");
      }
      // A helper configured for this registry is authoritative, as in docker.
      return from_helper(name.get<std::string>(), registry, file);
    }
  }
  if (auto store = j.find("credsStore");
      store != j.end() && store->is_string() && !store->get<std::string>().empty()) {
    if (auto c = from_helper(store->get<std::string>(), registry, file))
      return c;
  }
  if (auto auths = j.find("auths"); auths != j.end() && auths->is_object()) {
    // An exact key wins over a normalised one ("https://ghcr.io" vs "ghcr.io").
    if (auto exact = auths->find(registry); exact != auths->end()) {
      return from_auth_entry(*exact, file, registry);
    }
    for (const auto& [key, entry] : auths->items()) {
      if (key_matches(key, registry))
        return from_auth_entry(entry, file, key);
    }
  }
  return std::nullopt;
}

}  // namespace

Keychain Keychain::from_environment() {
  std::vector<std::filesystem::path> files;
  if (std::string f = env("REGISTRY_AUTH_FILE"); !f.empty()) {
    files.emplace_back(f);
  } else if (std::string run = env("XDG_RUNTIME_DIR"); !run.empty()) {
    files.push_back(std::filesystem::path(run) / "containers" / "auth.json");
  }
  if (std::string d = env("DOCKER_CONFIG"); !d.empty()) {
    files.push_back(std::filesystem::path(d) / "config.json");
  } else if (std::string home = env("HOME"); !home.empty()) {
    files.push_back(std::filesystem::path(home) / ".docker" / "config.json");
  }
  return Keychain(std::move(files));
}

Keychain::Keychain(std::vector<std::filesystem::path> files) : files_(std::move(files)) {}

std::optional<Credentials> Keychain::lookup(const std::string& registry) const {
  for (const auto& file : files_) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      continue;
    if (auto c = lookup_in_file(file, registry))
      return c;
  }
  return std::nullopt;
}

}  // namespace stowage::registry
