#include "tests/support/containerd.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/file.h"

namespace stowage::testing {
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

// Pids of shims serving the daemon at `socket`: they outlive the daemon when a task still
// runs, and their command line names the daemon's address.
std::vector<pid_t> shims_of(const fs::path& socket) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("containerd-shim") != std::string::npos &&
        cmdline.find(" " + socket.string() + " ") != std::string::npos) {
      pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return pids;
}

// Mount points at or under `dir`, deepest first.
std::vector<std::string> mounts_under(const fs::path& dir) {
  std::vector<std::string> points;
  std::istringstream in(slurp("/proc/self/mountinfo"));
  const std::string prefix = dir.string() + "/";
  for (std::string line; std::getline(in, line);) {
    auto fields = words(line);
    if (fields.size() > 4 && fields[4].starts_with(prefix))
      points.push_back(fields[4]);
  }
  std::sort(points.begin(), points.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return points;
}

}  // namespace

Containerd::Containerd() : socket_(dir_ / "containerd.sock") {
  if (geteuid() != 0)
    FAIL("containerd needs root: run the end-to-end tests as root (CI does)");
  const fs::path d = dir_.path();
  write_text(d / "config.toml",
             "version = 2\n"
             "root = \"" +
                 (d / "root").string() +
                 "\"\n"
                 "state = \"" +
                 (d / "state").string() +
                 "\"\n"
                 "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                 "[grpc]\n  address = \"" +
                 socket_.string() +
                 "\"\n"
                 "[ttrpc]\n  address = \"" +
                 socket_.string() +
                 ".ttrpc\"\n"
                 "[debug]\n  address = \"\"\n  level = \"info\"\n"
                 "[metrics]\n  address = \"\"\n"
                 "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" +
                 (d / "opt").string() + "\"\n");
  daemon_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"containerd", "--config", (d / "config.toml").string()},
      d / "containerd.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ctr({"version"}).exit_code != 0) {
    if (!daemon_->running() || std::chrono::steady_clock::now() > deadline)
      FAIL("containerd did not start; its log:\n" << log());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The overlayfs plugin probes a real overlay mount under its root when it loads; "ok" means
  // that mount worked on this file system.
  std::istringstream plugins(ctr({"plugins", "ls"}).out);
  snapshotter_ = "native";
  for (std::string line; std::getline(plugins, line);) {
    auto f = words(line);
    if (f.size() >= 4 && f[0] == "io.containerd.snapshotter.v1" && f[1] == "overlayfs" &&
        f.back() == "ok")
      snapshotter_ = "overlayfs";
  }
}

Containerd::~Containerd() {
  try {
    for (const auto& id : std::vector<std::string>(containers_))
      remove(id);
    daemon_->stop();
    for (pid_t pid : shims_of(socket_))
      ::kill(pid, SIGKILL);
    for (const auto& point : mounts_under(dir_.path()))
      ::umount2(point.c_str(), MNT_DETACH);
  } catch (const std::exception& e) {
    WARN("cleaning up containerd: " << e.what());
  }
}

std::string Containerd::log() const {
  return slurp(dir_ / "containerd.log");
}

ProcessResult Containerd::ctr(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"ctr", "-a", socket_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.timeout = std::chrono::seconds(300);
  return run(argv, options);
}

void Containerd::pull_plain_http(const std::string& ref) {
  auto r = ctr({"images", "pull", "--plain-http", "--snapshotter", snapshotter_, ref});
  INFO("ctr images pull " << ref << "\nstdout:\n"
                          << r.out << "\nstderr:\n"
                          << r.err << "\ncontainerd log:\n"
                          << log());
  REQUIRE(r.exit_code == 0);
}

std::string Containerd::container_log(const std::string& id) const {
  return slurp(dir_ / ("container-" + id + ".log"));
}

void Containerd::run_detached(const std::string& ref, const std::string& id,
                              const std::vector<std::string>& env) {
  std::vector<std::string> args{"run",
                                "-d",
                                "--net-host",
                                "--snapshotter",
                                snapshotter_,
                                "--log-uri",
                                "file://" + (dir_ / ("container-" + id + ".log")).string()};
  for (const auto& e : env) {
    args.push_back("--env");
    args.push_back(e);
  }
  args.push_back(ref);
  args.push_back(id);
  containers_.push_back(id);
  auto r = ctr(args);
  INFO("ctr run " << ref << "\nstdout:\n"
                  << r.out << "\nstderr:\n"
                  << r.err << "\ncontainerd log:\n"
                  << log());
  REQUIRE(r.exit_code == 0);
}

std::optional<pid_t> Containerd::task_pid(const std::string& id) const {
  std::istringstream tasks(ctr({"tasks", "ls"}).out);
  for (std::string line; std::getline(tasks, line);) {
    auto f = words(line);
    if (f.size() >= 3 && f[0] == id && f[2] == "RUNNING")
      return static_cast<pid_t>(std::stol(f[1]));
  }
  return std::nullopt;
}

bool Containerd::stop(const std::string& id, int signal, std::chrono::seconds timeout) {
  auto r = ctr({"tasks", "kill", "--signal", std::to_string(signal), id});
  if (r.exit_code != 0)
    return !task_pid(id).has_value();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (task_pid(id)) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

void Containerd::remove(const std::string& id) {
  if (task_pid(id))
    stop(id, SIGKILL, std::chrono::seconds(10));
  ctr({"tasks", "delete", "--force", id});
  ctr({"containers", "delete", id});
  std::erase(containers_, id);
}

}  // namespace stowage::testing
