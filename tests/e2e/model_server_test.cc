// The main job, end to end, with real parts only: examples/iris-cpu (an iris classifier
// trained here by scikit-learn and served by a standard-library HTTP server) is built on a
// Debian bookworm base made by mmdebstrap, pushed to a docker-registry on loopback, read back
// by skopeo, pulled and run by a private containerd (`ctr`, what Kubernetes nodes run) as the
// recipe's non-root user, and asked for predictions over HTTP. Then one line of serving code
// changes: the rebuild must upload exactly one layer, and the new container must show it.
//
// Runtime facts of this machine that the test relies on (see tests/support/containerd.h):
// containerd runs as root with a private config; the overlayfs snapshotter works on ext4 here,
// and the fixture falls back to the native one where overlay mounts do not; containers use the
// host network (`ctr run --net-host`), so the server is told a free port through $PORT.
//
// It works on a temporary copy of the example, so the source tree is never touched. The base
// tarball is cached in the build directory (test-bases/, shared with the wheels tests).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "core/file.h"
#include "tests/support/containerd.h"
#include "tests/support/process.h"
#include "tests/support/registry_server.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;
using nlohmann::json;

namespace {

// Debian's interpreter: python3-sklearn is installed for it, whatever python3 PATH finds.
const char* const kPython = "/usr/bin/python3";

const fs::path& base_tarball() {
  static const fs::path tarball = [] {
    fs::path t = fs::path(STOWAGE_TEST_CACHE) / "bookworm-python3.tar";
    RunOptions slow;
    slow.timeout = std::chrono::seconds(900);
    run_ok({(source_dir() / "scripts/make-base.sh").string(), t.string(), "python3"}, slow);
    return t;
  }();
  return tarball;
}

// A trained copy of examples/iris-cpu in `dir`, built on the cached base.
void copy_example(const fs::path& dir) {
  const fs::path example = source_dir() / "examples/iris-cpu";
  fs::create_directories(dir);
  fs::copy(example / "app", dir / "app", fs::copy_options::recursive);
  fs::copy_file(example / "train.py", dir / "train.py");
  std::string recipe = stowage::read_file(example / "stowage.yaml");
  recipe = std::regex_replace(recipe, std::regex("\nbase: [^\n]*"),
                              "\nbase: rootfs:" + base_tarball().string());
  write_text(dir / "stowage.yaml", recipe);
  RunOptions in_dir;
  in_dir.cwd = dir;
  run_ok({kPython, "train.py", "model"}, in_dir);
}

void replace_in_file(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = stowage::read_file(file);
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  write_text(file, text);
}

ProcessResult stowage_run(const std::vector<std::string>& args, const fs::path& cache) {
  std::vector<std::string> argv{stowage_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.env = {{"STOWAGE_CACHE", cache.string()}};
  return run(argv, options);
}

// `stowage build --push REF --manifests DIR --json`; the parsed result.
json build_and_push(const fs::path& example, const std::string& ref, const RegistryServer& registry,
                    const fs::path& cache) {
  auto r = stowage_run(
      {"build", (example / "stowage.yaml").string(), "--push", ref, "--insecure-registry",
       registry.host(), "--manifests", (example / "k8s").string(), "--json"},
      cache);
  INFO("stowage build --push " << ref << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// Layer blobs (not the config) that a push report says were uploaded.
std::vector<std::string> uploaded_layers(const json& result) {
  std::vector<std::string> digests;
  for (const auto& b : result.at("push").at("blobs")) {
    const std::string media_type = b.at("media_type");
    if (media_type.find(".layer.") != std::string::npos && b.at("outcome") == "uploaded")
      digests.push_back(b.at("digest"));
  }
  return digests;
}

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One HTTP/1.0 exchange with 127.0.0.1:port; nullopt when nothing answers.
std::optional<HttpResponse> http(int port, const std::string& method, const std::string& path,
                                 const std::string& body = "") {
  stowage::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.get() >= 0);
  timeval timeout{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return std::nullopt;
  std::string request = method + " " + path +
                        " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  stowage::write_all(fd.get(), std::as_bytes(std::span(request)), "http request");
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;)
    reply.append(buf, n);
  std::smatch m;
  if (!std::regex_search(reply, m, std::regex(R"(^HTTP/1\.\d (\d{3}))")))
    return std::nullopt;
  auto split = reply.find("\r\n\r\n");
  return HttpResponse{std::stoi(m[1]), split == std::string::npos ? "" : reply.substr(split + 4)};
}

// Waits until GET /healthz answers 200; fails with the container's output when it never does.
json wait_healthy(const Containerd& containerd, const std::string& id, int port) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = http(port, "GET", "/healthz"); r && r->status == 200)
      return json::parse(r->body);
    if (!containerd.task_pid(id))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the server in " << id << " never became healthy; its output:\n"
                        << containerd.container_log(id));
  return {};
}

// The predicted class of each instance, once /ready says the model is loaded.
std::vector<std::string> predict(int port, const std::string& instances) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    auto ready = http(port, "GET", "/ready");
    REQUIRE(ready);
    if (ready->status == 200)
      break;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto r = http(port, "POST", "/predict", R"({"instances": )" + instances + "}");
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  const json answer = json::parse(r->body);
  const auto& predictions = answer.at("predictions");
  std::vector<std::string> classes(predictions.size());
  std::transform(predictions.begin(), predictions.end(), classes.begin(),
                 [](const json& p) { return p.at("class").get<std::string>(); });
  return classes;
}

// The uid the task's process runs as, from /proc.
std::string task_uid(const Containerd& containerd, const std::string& id) {
  auto pid = containerd.task_pid(id);
  REQUIRE(pid);
  std::ifstream status("/proc/" + std::to_string(*pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("Uid:")) {
      std::istringstream fields(line.substr(4));
      std::string real;
      fields >> real;
      return real;
    }
  }
  FAIL("no Uid line for pid " << *pid);
  return {};
}

const std::string kSetosa = "[5.1, 3.5, 1.4, 0.2]";
const std::string kVirginica = "[6.7, 3.0, 5.2, 2.3]";

}  // namespace

TEST_CASE(
    "the iris server is pushed, run by containerd as user 1000, and a one-line change "
    "uploads one layer") {
  TempDir tmp;
  const fs::path example = tmp / "iris-cpu";
  const fs::path cache = tmp / "cache";
  copy_example(example);
  RegistryServer registry;
  Containerd containerd;
  const int port = free_port();
  const std::vector<std::string> env{"PORT=" + std::to_string(port)};

  // First push: every layer is new.
  const std::string repo = registry.host() + "/ml/iris-cpu";
  json first = build_and_push(example, repo + ":v1", registry, cache);
  const std::string digest1 = first.at("manifest").at("digest");
  REQUIRE(first.at("push").at("reference") == repo + ":v1@" + digest1);
  // Pulled by digest, as the manifests pin it (skopeo takes a tag or a digest, not both).
  const std::string ref1 = repo + "@" + digest1;
  CHECK(uploaded_layers(first).size() == first.at("layers").size());

  // The manifests pin exactly what was pushed.
  std::string manifests;
  for (const auto& f : fs::directory_iterator(example / "k8s"))
    manifests += stowage::read_file(f.path());
  INFO(manifests);
  CHECK(manifests.find("image: \"" + repo + ":v1@" + digest1 + "\"\n") != std::string::npos);

  // skopeo reads back the same manifest, every layer, and the recipe's user and entrypoint.
  auto seen = json::parse(run_ok({"skopeo", "inspect", "--tls-verify=false", "docker://" + ref1}));
  CHECK(seen.at("Digest") == digest1);
  CHECK(seen.at("Layers").size() == first.at("layers").size());
  auto config = json::parse(
      run_ok({"skopeo", "inspect", "--config", "--tls-verify=false", "docker://" + ref1}));
  CHECK(config.at("config").at("User") == "1000");
  CHECK(config.at("config").at("Entrypoint") ==
        json::array({"/usr/bin/python3", "/app/server.py"}));

  // containerd pulls it by digest and runs it as the recipe's user.
  containerd.pull_plain_http(ref1);
  containerd.run_detached(ref1, "iris-v1", env);
  json health = wait_healthy(containerd, "iris-v1", port);
  CHECK(health.at("version") == "1");
  CHECK(task_uid(containerd, "iris-v1") == "1000");
  CHECK(predict(port, "[" + kSetosa + "]") == std::vector<std::string>{"setosa"});
  CHECK(predict(port, "[" + kSetosa + ", " + kVirginica + "]") ==
        std::vector<std::string>{"setosa", "virginica"});
  // The server stops on SIGTERM, as a kubelet asks it to, rather than waiting for SIGKILL.
  CHECK(containerd.stop("iris-v1", SIGTERM, std::chrono::seconds(10)));
  containerd.remove("iris-v1");

  // One line of serving code changes.
  replace_in_file(example / "app/server.py", "VERSION = \"1\"", "VERSION = \"2\"");
  json second = build_and_push(example, repo + ":v2", registry, cache);
  const std::string digest2 = second.at("manifest").at("digest");
  REQUIRE(digest2 != digest1);
  const std::string ref2 = repo + "@" + digest2;
  auto uploaded = uploaded_layers(second);
  REQUIRE(uploaded.size() == 1);
  // ... and it is the code layer: the base, the model and the build info were already there.
  std::string code_layer;
  for (const auto& l : second.at("layers")) {
    if (l.at("class") == "code")
      code_layer = l.at("digest");
  }
  CHECK(uploaded[0] == code_layer);
  std::int64_t layer_bytes = 0;
  for (const auto& b : second.at("push").at("blobs")) {
    if (b.at("digest") == uploaded[0])
      layer_bytes = b.at("bytes_uploaded");
  }
  CHECK(layer_bytes > 0);
  CHECK(layer_bytes < 64 * 1024);

  containerd.pull_plain_http(ref2);
  containerd.run_detached(ref2, "iris-v2", env);
  health = wait_healthy(containerd, "iris-v2", port);
  CHECK(health.at("version") == "2");
  CHECK(predict(port, "[" + kVirginica + "]") == std::vector<std::string>{"virginica"});
  CHECK(containerd.stop("iris-v2", SIGTERM, std::chrono::seconds(10)));
  containerd.remove("iris-v2");
}

TEST_CASE("a serve.command that is not in the image is refused before anything is built") {
  TempDir tmp;
  const fs::path example = tmp / "iris-cpu";
  copy_example(example);
  const std::string good = "  command: [/usr/bin/python3, /app/server.py]";
  // Its line in the recipe, and the column of the command's first element.
  std::string recipe = stowage::read_file(example / "stowage.yaml");
  REQUIRE(recipe.find(good) != std::string::npos);
  const auto line = 1 + std::count(recipe.begin(), recipe.begin() + recipe.find(good), '\n');
  const std::string location =
      (example / "stowage.yaml").string() + ":" + std::to_string(line) + ":13: ";

  replace_in_file(example / "stowage.yaml", good, "  command: [/usr/bin/python4, /app/server.py]");
  auto r = stowage_run(
      {"build", (example / "stowage.yaml").string(), "--output", (tmp / "out").string()},
      tmp / "cache");
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("stowage: error: " + location +
                                      "serve.command: /usr/bin/python4 does not exist in the "
                                      "image (no such file in the base image rootfs:"));
  CHECK(!fs::exists(tmp / "out"));

  // A bare name: the rootfs base has no config, so the image gets the conventional PATH (as
  // BuildKit and buildah give it), next to the recipe's env. A name on no directory of it is
  // refused, naming that PATH.
  const std::string default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  replace_in_file(example / "stowage.yaml", "[/usr/bin/python4,", "[python4,");
  r = stowage_run({"plan", (example / "stowage.yaml").string()}, tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("serve.command: python4 does not exist in the image (no "
                                    "executable python4 in the image's PATH (" +
                                    default_path + ")"));
  // python3 is found: /usr/bin/python3 is a link to python3.11 in the mmdebstrap base.
  replace_in_file(example / "stowage.yaml", "[python4,", "[python3,");
  r = stowage_run(
      {"build", (example / "stowage.yaml").string(), "--output", (tmp / "out").string()},
      tmp / "cache");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("warning") == std::string::npos);
  auto config = json::parse(
      run_ok({"skopeo", "inspect", "--config", "oci:" + (tmp / "out").string() + ":latest"}));
  CHECK(config["config"]["Env"] == json::array({"PATH=" + default_path, "MODEL_DIR=/models",
                                                "PORT=8080", "PYTHONDONTWRITEBYTECODE=1"}));
  CHECK(config["config"]["Entrypoint"] == json::array({"python3", "/app/server.py"}));

  replace_in_file(example / "stowage.yaml", "[python3,", "[/app/server.py,");
  r = stowage_run({"plan", (example / "stowage.yaml").string()}, tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("serve.command: /app/server.py is not executable"));
}

TEST_CASE("with a registry base that is not local, a missing serve.command is only a warning") {
  TempDir tmp;
  const fs::path example = tmp / "iris-cpu";
  copy_example(example);
  RegistryServer registry;
  const std::string base = registry.host() + "/ml/iris-base:1";
  build_and_push(example, base, registry, tmp / "cache");

  // Another machine (an empty cache) builds on that base, pushing only: the base's layers are
  // mounted in the registry, never downloaded, so they cannot be looked into.
  const fs::path derived = tmp / "derived";
  fs::create_directories(derived / "app");
  write_text(derived / "app/extra.py", "print('extra')\n");
  write_text(derived / "stowage.yaml", "name: derived\nbase: " + base +
                                           "\ncode:\n  - {src: app/, dst: /extra}\n"
                                           "serve:\n  command: [/opt/missing/serve]\n");
  auto r = stowage_run(
      {"build", (derived / "stowage.yaml").string(), "--push", registry.host() + "/ml/derived:1",
       "--insecure-registry", registry.host(), "--manifests", (derived / "k8s").string()},
      tmp / "other-cache");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("stowage: warning: serve.command: /opt/missing/serve was not "
                                    "checked"));
  CHECK_THAT(r.err, Catch::Contains(base));
}

TEST_CASE("the GPU-shaped torch example builds in class order, asks for a GPU, and runs on a CPU") {
  TempDir tmp;
  const fs::path example = tmp / "torch-gpu";
  const fs::path source = source_dir() / "examples/torch-gpu";
  fs::create_directories(example);
  for (const char* item : {"app", "make_standins.py", "stowage.yaml"})
    fs::copy(source / item, example / item, fs::copy_options::recursive);
  std::string recipe = stowage::read_file(example / "stowage.yaml");
  write_text(example / "stowage.yaml",
             std::regex_replace(recipe, std::regex("\nbase: [^\n]*"),
                                "\nbase: rootfs:" + base_tarball().string()));
  RunOptions in_dir;
  in_dir.cwd = example;
  run_ok({kPython, "make_standins.py"}, in_dir);

  RegistryServer registry;
  json result =
      build_and_push(example, registry.host() + "/ml/torch-gpu:v1", registry, tmp / "cache");
  const auto& layers = result.at("layers");
  std::vector<std::string> classes(layers.size());
  std::transform(layers.begin(), layers.end(), classes.begin(),
                 [](const json& l) { return l.at("class").get<std::string>(); });
  CHECK(classes ==
        std::vector<std::string>{"base", "accelerator", "framework", "model", "code", "meta"});

  // GPU manifests, written without a GPU: a GPU limit, the driver floor of CUDA 12.4, /dev/shm.
  const std::string deployment = stowage::read_file(example / "k8s/deployment.yaml");
  CHECK(deployment.find("nvidia.com/gpu: 1\n") != std::string::npos);
  CHECK(deployment.find("stowage.dev/min-nvidia-driver: \"550.54.14\"") != std::string::npos);
  CHECK(deployment.find("mountPath: /dev/shm") != std::string::npos);

  // The stand-in torch is installed where the base's python3 imports it from, so the image runs.
  Containerd containerd;
  const int port = free_port();
  const std::string digest = result.at("manifest").at("digest");
  const std::string ref = registry.host() + "/ml/torch-gpu@" + digest;
  containerd.pull_plain_http(ref);
  containerd.run_detached(ref, "torch-gpu", {"PORT=" + std::to_string(port)});
  json health = wait_healthy(containerd, "torch-gpu", port);
  CHECK(health.at("torch") == "2.5.1+cu124");
  CHECK(health.at("device") == "cpu");
  CHECK(health.at("standin") == true);
  CHECK(task_uid(containerd, "torch-gpu") == "1000");
  // Made-up weights, worked out by hand: 11.26 (setosa) > 3.04 > -14.3.
  CHECK(predict(port, "[" + kSetosa + "]") == std::vector<std::string>{"setosa"});
  CHECK(containerd.stop("torch-gpu", SIGTERM, std::chrono::seconds(10)));
  containerd.remove("torch-gpu");
}
