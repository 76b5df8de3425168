// A private containerd (Debian's, as root) for tests that run images the way a Kubernetes node
// does: `ctr images pull`, `ctr run -d --net-host`, kill, delete.
//
// The daemon gets its own config (`version = 2`; root, state, gRPC and ttrpc sockets in a temp
// dir; the CRI plugin disabled, so it opens no ports and touches no CNI), so it never meets the
// machine's own containerd, if any. Everything it made is undone when the fixture goes away:
// each container it started is killed (SIGKILL) and deleted, the daemon is stopped, any shim
// still serving this daemon's socket is killed by pid, mounts left under the temp dir are
// detached, and the dir is removed.
//
// Snapshotter: overlayfs when the daemon reports it usable, else native (a plain copy, slower
// but working on any file system; e.g. when the temp dir already lives on an overlay).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace stowage::testing {

class Containerd {
 public:
  // Starts the daemon and waits until `ctr version` reaches it; fails the current Catch2 test
  // (with the daemon's log) when it does not, or when not running as root.
  Containerd();
  ~Containerd();
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;

  const std::filesystem::path& socket() const { return socket_; }
  const std::string& snapshotter() const { return snapshotter_; }
  // The daemon's log, for failure messages.
  std::string log() const;

  // Runs `ctr -a SOCKET ARGS...` to completion.
  ProcessResult ctr(const std::vector<std::string>& args) const;

  // Pulls (and unpacks) `ref` from a plain-HTTP registry on loopback; fails the test on error.
  void pull_plain_http(const std::string& ref);

  // Starts a container `id` from the pulled `ref` in the background, in the host's network
  // namespace, with `env` ("KEY=VALUE") added to the image's environment. The process's
  // stdout and stderr go to container_log(id). Fails the test on error.
  void run_detached(const std::string& ref, const std::string& id,
                    const std::vector<std::string>& env = {});
  std::string container_log(const std::string& id) const;

  // The task's host pid, or nullopt when it has no running task.
  std::optional<pid_t> task_pid(const std::string& id) const;
  // Sends `signal` to the task and waits up to `timeout` for it to stop. Returns whether it
  // stopped in time.
  bool stop(const std::string& id, int signal, std::chrono::seconds timeout);
  // Deletes the task (killing it first if it still runs) and the container.
  void remove(const std::string& id);

 private:
  TempDir dir_;
  std::filesystem::path socket_;
  std::string snapshotter_ = "overlayfs";
  std::unique_ptr<BackgroundProcess> daemon_;
  std::vector<std::string> containers_;  // started and not yet removed
};

}  // namespace stowage::testing
