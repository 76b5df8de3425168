// Running real programs from tests: stowage itself, skopeo, umoci, runc, docker-registry.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace stowage::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

struct RunOptions {
  std::filesystem::path cwd;               // empty = inherit
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::string stdin_data;
  std::chrono::seconds timeout{600};
};

// Runs argv[0] (searched in PATH) to completion and captures its output.
ProcessResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs and fails the current Catch2 test (with both outputs) unless it exits 0. Returns stdout.
std::string run_ok(const std::vector<std::string>& argv, const RunOptions& options = {});

// A process running in the background, killed (SIGTERM, then SIGKILL) when destroyed.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const RunOptions& options = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const;
  // Sends `signal` and waits for the process to exit.
  void stop(int signal = 15);

 private:
  pid_t pid_ = -1;
  mutable bool exited_ = false;
};

// A TCP port on 127.0.0.1 that was free when asked.
int free_port();
// Waits until something accepts TCP connections on 127.0.0.1:port; false on timeout.
bool wait_for_port(int port, std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The stowage binary under test and the source tree, as compiled into the test.
std::filesystem::path stowage_binary();
std::filesystem::path source_dir();

}  // namespace stowage::testing
