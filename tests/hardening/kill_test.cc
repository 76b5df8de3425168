// docs/security.md, "A killed build leaves partial output": SIGKILL at seeded random points of
// `stowage build` and `stowage build --push`, then the same command again. After the kill nothing
// partial is visible (the layout is absent or whole, the tag absent, old or complete); after the
// rerun the temporaries of the killed process are gone, every blob in the cache and the layout
// matches its digest, and the image is the one a build from an empty cache makes.
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include "tests/support/image_integrity.h"
#include "tests/support/image_readers.h"
#include "tests/support/registry_server.h"
#include "tests/support/stowage_cli.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kModels = 3;
constexpr std::int64_t kModelBytes = 6 << 20;

// Runs `args` to completion and returns how long it took; the test fails unless it exits 0.
Clock::duration timed_ok(const std::vector<std::string>& args, const fs::path& cache) {
  auto start = Clock::now();
  auto r = run_stowage(args, cache);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return Clock::now() - start;
}

// Starts `args` and SIGKILLs it after `delay` (it may have finished by then).
void kill_after(const std::vector<std::string>& args, const fs::path& cache, Clock::duration delay,
                const fs::path& log) {
  BackgroundProcess p(stowage_argv(args), log, stowage_options(cache));
  std::this_thread::sleep_for(delay);
  p.stop(SIGKILL);
}

void check_consistent(const fs::path& cache, const fs::path& out) {
  INFO("temporaries left: " << Catch::Detail::stringify(temporaries_under(cache)) << " "
                            << Catch::Detail::stringify(temporaries_under(out)));
  CHECK(temporaries_under(cache).empty());
  CHECK(temporaries_under(out).empty());
  CHECK(corrupt_blobs(cache / "blobs" / "sha256").empty());
  CHECK(layout_problems(out / "image").empty());
}

}  // namespace

TEST_CASE("SIGKILL during stowage build: the next build cleans up and makes the same image") {
  TempDir dir;
  fs::path project = dir / "project";
  fs::path cache = dir / "cache";
  fs::path out = dir / "out";
  make_project(project, 1, kModels, kModelBytes);
  std::vector<std::string> build{"build", (project / "stowage.yaml").string(), "--output",
                                 (out / "image").string()};
  auto full = timed_ok(build, cache);
  std::mt19937 rng(20240611);
  for (int k = 0; k < 8; ++k) {
    // A new model file each round, so the build has real work to be killed in.
    make_project(project, 10 + static_cast<unsigned>(k), kModels, kModelBytes);
    std::uniform_int_distribution<long> at(
        0, std::chrono::duration_cast<std::chrono::microseconds>(full).count());
    auto delay = std::chrono::microseconds(at(rng));
    INFO("round " << k << ": SIGKILL after " << delay.count() << " us");
    kill_after(build, cache, delay, dir / ("killed" + std::to_string(k) + ".log"));
    // Right after the kill: the layout is the previous whole one (never a half-written one).
    CHECK(layout_problems(out / "image").empty());
    timed_ok(build, cache);
    check_consistent(cache, out);
  }
  // The image built through eight kills is the one an untouched cache builds.
  timed_ok({"build", (project / "stowage.yaml").string(), "--output", (dir / "clean").string()},
           dir / "clean-cache");
  CHECK(layout_digest(out / "image") == layout_digest(dir / "clean"));
}

TEST_CASE("SIGKILL during a first build into a new layout leaves no layout and no debris") {
  TempDir dir;
  fs::path project = dir / "project";
  make_project(project, 3, kModels, kModelBytes);
  std::vector<std::string> build{"build", (project / "stowage.yaml").string(), "--output",
                                 (dir / "out" / "image").string()};
  auto full = timed_ok(build, dir / "probe-cache");
  std::mt19937 rng(7);
  for (int k = 0; k < 4; ++k) {
    fs::path cache = dir / ("cache" + std::to_string(k));
    fs::remove_all(dir / "out");
    std::uniform_int_distribution<long> at(
        0, std::chrono::duration_cast<std::chrono::microseconds>(full).count());
    auto delay = std::chrono::microseconds(at(rng));
    INFO("round " << k << ": SIGKILL after " << delay.count() << " us");
    kill_after(build, cache, delay, dir / "killed.log");
    // Either the whole layout appeared (the kill came after the rename) or none did.
    if (fs::exists(dir / "out" / "image"))
      CHECK(layout_problems(dir / "out" / "image").empty());
    timed_ok(build, cache);
    check_consistent(cache, dir / "out");
  }
}

TEST_CASE("SIGKILL during stowage build --push: the tag is never partial, the rerun completes") {
  RegistryServer server;
  TempDir dir;
  fs::path project = dir / "project";
  fs::path cache = dir / "cache";
  fs::path out = dir / "out";
  make_project(project, 2, kModels, kModelBytes);
  const std::string ref = server.host() + "/killed/app:latest";
  std::vector<std::string> push{"build",
                                (project / "stowage.yaml").string(),
                                "--output",
                                (out / "image").string(),
                                "--push",
                                ref,
                                "--manifests",
                                (out / "k8s").string(),
                                "--insecure-registry",
                                server.host()};
  auto full = timed_ok(push, cache);
  std::mt19937 rng(42);
  for (int k = 0; k < 6; ++k) {
    make_project(project, 20 + static_cast<unsigned>(k), kModels, kModelBytes);
    TagState before = tag_state(server.host(), "killed/app", "latest");
    std::uniform_int_distribution<long> at(
        0, std::chrono::duration_cast<std::chrono::microseconds>(full).count());
    auto delay = std::chrono::microseconds(at(rng));
    INFO("round " << k << ": SIGKILL after " << delay.count() << " us");
    kill_after(push, cache, delay, dir / ("killed" + std::to_string(k) + ".log"));
    TagState after = tag_state(server.host(), "killed/app", "latest");
    CHECK(after.missing.empty());
    REQUIRE(after.digest);
    auto r = run_stowage(push, cache);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string digest = layout_digest(out / "image");
    // The kill left the old image or (past the manifest PUT) the new one, never anything else.
    CHECK((after.digest == before.digest || after.digest == digest));
    CHECK(r.out.substr(r.out.rfind('@') + 1, 71) == digest);
    CHECK(skopeo_digest(ref) == digest);
    TagState now = tag_state(server.host(), "killed/app", "latest");
    CHECK(now.digest == digest);
    CHECK(now.missing.empty());
    check_consistent(cache, out);
  }
}
