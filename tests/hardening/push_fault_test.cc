// docs/security.md, "A faulty network or registry": many pushes through a loopback proxy that
// resets connections, stalls, answers 5xx and 429 + Retry-After, truncates bodies, lies in
// Content-Length and forwards partial uploads. Every push ends either with the exact image in the
// registry (read back by skopeo) or with a clean failure (exit 1, one "stowage: error:" line); the
// tag never names an image whose blobs are not all there, and a failed push leaves the tag absent,
// as it was, or (when only the answer to the manifest PUT was lost) on the complete new image.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/image_integrity.h"
#include "tests/support/image_readers.h"
#include "tests/support/registry_server.h"
#include "tests/support/stowage_cli.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;

namespace {

constexpr int kPushes = 20;

// Faults on roughly one request in four, every kind the proxy knows. The generator is seeded,
// but parallel uploads reach the proxy in an order that varies with the machine's load, so which
// request draws which fault does too: a kind drawn rarely (a 500 on one of ~15 manifest PUTs,
// a stall at 1 %) may not be drawn in a run at all. So each kind also fires on a fixed request
// early in the run (the first rules; a rule's count is of the requests it matches, a request
// gets only the first rule that fires, and a fixed rule whose request another rule took fires on
// its next match). The blob-upload PUT is fixed on the second one: once both images are in the
// registry a push uploads no blobs, so a later count might never be reached.
const char* kFaults = R"([
  {"action": "status", "status": 500, "method": "PUT", "path": "/manifests/", "nth": 1},
  {"action": "status", "status": 503, "nth": 2},
  {"action": "status", "status": 429, "retry_after": 1, "nth": 4},
  {"action": "reset", "nth": 6},
  {"action": "stall", "seconds": 2, "nth": 8},
  {"action": "truncate", "nth": 10},
  {"action": "bad_length", "nth": 12},
  {"action": "drop", "method": "PUT", "nth": 3},
  {"action": "short_body", "method": "PUT", "path": "/blobs/uploads/", "nth": 2},
  {"action": "status", "status": 503, "probability": 0.04},
  {"action": "status", "status": 500, "method": "PUT", "path": "/manifests/", "probability": 0.15},
  {"action": "status", "status": 429, "retry_after": 1, "probability": 0.03},
  {"action": "reset", "probability": 0.04},
  {"action": "drop", "method": "PUT", "probability": 0.04},
  {"action": "drop", "method": "PATCH", "probability": 0.04},
  {"action": "stall", "seconds": 2, "probability": 0.01},
  {"action": "truncate", "probability": 0.04},
  {"action": "bad_length", "probability": 0.04},
  {"action": "short_body", "method": "PATCH", "probability": 0.04},
  {"action": "short_body", "method": "PUT", "path": "/blobs/uploads/", "probability": 0.04}
])";

class Proxy {
 public:
  Proxy(int upstream, const fs::path& dir, int seed) : log_(dir / "proxy.log") {
    std::ofstream(dir / "faults.json") << kFaults;
    port_ = free_port();
    process_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{
            "python3", (source_dir() / "tests/support/fault_proxy.py").string(), "--port",
            std::to_string(port_), "--upstream", std::to_string(upstream), "--faults",
            (dir / "faults.json").string(), "--log", log_.string(), "--seed", std::to_string(seed)},
        dir / "proxy.out");
    REQUIRE(wait_for_port(port_));
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  fs::path log_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> process_;
};

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n')
    t.pop_back();
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

}  // namespace

TEST_CASE("pushes through a faulty proxy end with the exact image or fail cleanly") {
  RegistryServer server;
  TempDir dir;
  // Two images, so that a push over an existing tag can be told from the tag's old image.
  std::vector<fs::path> layouts;
  std::vector<std::string> digests;
  for (unsigned seed : {1u, 2u}) {
    fs::path project = dir / ("project" + std::to_string(seed));
    make_project(project, seed, 3, 200 * 1024);
    fs::path layout = dir / ("layout" + std::to_string(seed));
    auto r = run_stowage(
        {"build", (project / "stowage.yaml").string(), "--output", layout.string()}, dir / "cache");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    layouts.push_back(layout);
    digests.push_back(layout_digest(layout));
  }
  REQUIRE(digests[0] != digests[1]);

  Proxy proxy(server.port(), dir.path(), 8);
  int succeeded = 0;
  int failed = 0;
  for (int i = 0; i < kPushes; ++i) {
    // Each repository gets image 0, then image 1 over the same tag.
    const std::string repo = "loop/r" + std::to_string(i / 2);
    const int image = i % 2;
    TagState before = tag_state(server.host(), repo, "latest");
    auto r = run_stowage({"push", layouts[image].string(), proxy.host() + "/" + repo + ":latest",
                          "--insecure-registry", proxy.host()},
                         dir / "cache");
    TagState after = tag_state(server.host(), repo, "latest");
    INFO("push " << i << " of image " << image << " to " << repo << ": exit " << r.exit_code
                 << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    // Whatever happened, the tag names a whole image: no missing blob.
    CHECK(after.missing.empty());
    if (r.exit_code == 0) {
      ++succeeded;
      CHECK(last_line(r.out) == proxy.host() + "/" + repo + ":latest@" + digests[image]);
      REQUIRE(after.digest);
      CHECK(*after.digest == digests[image]);
      CHECK(skopeo_digest(server.host() + "/" + repo + ":latest") == digests[image]);
    } else {
      ++failed;
      CHECK(r.out.empty());
      CHECK_THAT(r.err, Catch::Contains("stowage: error: "));
      // Without a crash report or a library's raw exception text.
      CHECK_THAT(r.err, !Catch::Contains("terminate called"));
      CHECK_THAT(r.err, !Catch::Contains("basic_string"));
      bool unchanged = after.digest == before.digest;
      bool complete_new = after.digest && *after.digest == digests[image];
      CHECK((unchanged || complete_new));
    }
  }
  std::string log = proxy.log();
  INFO("succeeded " << succeeded << ", failed " << failed);
  // The faults really happened, each kind at least once over the run.
  for (const char* outcome : {"-> 503", "-> 500", "-> 429", "-> reset", "-> drop", "-> stall",
                              "truncate", "bad_length", "short_body"}) {
    CHECK_THAT(log, Catch::Contains(outcome));
  }
  // Retries carry pushes through. A push fails for good mostly when a short_body reaches its
  // blob PUT (the registry refuses the digest): ~3 % of ~7 PUTs a push, and with the other
  // faults ~1 push in 3 fails (7 of 20 in a run seen). Half of them failing would happen in
  // ~5 % of runs; three quarters in well under 0.1 %.
  CHECK(succeeded >= kPushes / 4);

  // Faults leave no debris that blocks later pushes: straight to the registry, every image of
  // every repository goes up and reads back.
  for (int i = 0; i < kPushes; i += 2) {
    const std::string repo = "loop/r" + std::to_string(i / 2);
    for (int image : {0, 1}) {
      auto r = run_stowage({"push", layouts[image].string(), server.host() + "/" + repo + ":latest",
                            "--insecure-registry", server.host()},
                           dir / "cache");
      INFO(r.err);
      CHECK(r.exit_code == 0);
      TagState state = tag_state(server.host(), repo, "latest");
      CHECK(state.digest == digests[image]);
      CHECK(state.missing.empty());
    }
  }
}
