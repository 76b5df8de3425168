#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/file.h"

extern char** environ;

namespace stowage::testing {
namespace {

// Builds envp: the current environment with `extra` overriding or adding entries.
std::vector<std::string> make_env(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos && extra.count(entry.substr(0, eq)) != 0)
      continue;
    env.push_back(entry);
  }
  for (const auto& [k, v] : extra)
    env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child: chdir, then exec; never returns.
[[noreturn]] void exec_child(std::vector<std::string> argv, const RunOptions& options) {
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0)
    _exit(126);
  auto env = make_env(options.env);
  auto cargv = c_strings(argv);
  auto cenv = c_strings(env);
  execvpe(cargv[0], cargv.data(), cenv.data());
  _exit(127);
}

std::string describe(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv)
    s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

ProcessResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    exec_child(argv, options);
  }
  UniqueFd in_w(in[1]), out_r(out[0]), err_r(err[0]);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  signal(SIGPIPE, SIG_IGN);

  ProcessResult result;
  std::string_view to_write = options.stdin_data;
  if (to_write.empty())
    in_w = UniqueFd();
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool timed_out = false;
  while (out_r || err_r) {
    std::vector<pollfd> fds;
    if (out_r)
      fds.push_back({out_r.get(), POLLIN, 0});
    if (err_r)
      fds.push_back({err_r.get(), POLLIN, 0});
    if (in_w)
      fds.push_back({in_w.get(), POLLOUT, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 1000))) < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error("poll failed");
    }
    for (const auto& p : fds) {
      if (p.revents == 0)
        continue;
      if (in_w && p.fd == in_w.get()) {
        ssize_t n = write(p.fd, to_write.data(), to_write.size());
        if (n > 0)
          to_write.remove_prefix(static_cast<std::size_t>(n));
        if (n < 0 || to_write.empty())
          in_w = UniqueFd();
        continue;
      }
      char buf[65536];
      ssize_t n = read(p.fd, buf, sizeof buf);
      UniqueFd& fd = (out_r && p.fd == out_r.get()) ? out_r : err_r;
      std::string& sink = (&fd == &out_r) ? result.out : result.err;
      if (n > 0) {
        sink.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fd = UniqueFd();
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (timed_out)
    result.err += "\n[test harness: killed after timeout]";
  return result;
}

std::string run_ok(const std::vector<std::string>& argv, const RunOptions& options) {
  ProcessResult r = run(argv, options);
  INFO("command: " << describe(argv));
  INFO("stdout:\n" << r.out);
  INFO("stderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::filesystem::path& log_file,
                                     const RunOptions& options) {
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    setpgid(0, 0);
    int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int devnull = open("/dev/null", O_RDONLY);
    if (log < 0 || devnull < 0)
      _exit(126);
    dup2(devnull, 0);
    dup2(log, 1);
    dup2(log, 2);
    exec_child(argv, options);
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (!exited_)
    stop(SIGTERM);
}

bool BackgroundProcess::running() const {
  if (exited_)
    return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_)
    exited_ = true;
  return !exited_;
}

void BackgroundProcess::stop(int sig) {
  if (exited_)
    return;
  kill(pid_, sig);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exited_ = true;
}

int free_port() {
  UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::filesystem::path stowage_binary() {
  return STOWAGE_BINARY;
}
std::filesystem::path source_dir() {
  return STOWAGE_SOURCE_DIR;
}

}  // namespace stowage::testing
