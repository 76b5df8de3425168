// Credentials from a netrc file, looked up by host name.
//
// Package indexes that need a login take it from netrc, as pip and curl do. The client asks
// for the entry of each request's own host (redirect hops included), so a password is only
// ever sent to the machine it is written down for.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stowage::net {

struct NetrcCredentials {
  std::string login;
  std::string password;
};

class Netrc {
 public:
  // No entries: nothing is ever sent.
  Netrc() = default;

  // Parses netrc text: "machine", "default", "login", "password" tokens, "account" and
  // "macdef" skipped, double-quoted tokens with backslash escapes. Never throws: what it
  // cannot understand is skipped, as curl does.
  static Netrc parse(std::string_view text);

  // Reads and parses `path`. A missing file is an empty Netrc; a file that exists but cannot
  // be read throws Error.
  static Netrc load(const std::filesystem::path& path);

  // Where netrc is looked for: $NETRC when set and not empty, else ~/.netrc; empty when
  // neither is known.
  static std::filesystem::path default_path();

  // The credentials for `host` (case-insensitive): its first "machine" entry, else the
  // "default" entry, else nullopt.
  std::optional<NetrcCredentials> lookup(std::string_view host) const;

  bool empty() const { return machines_.empty() && !default_; }

 private:
  struct Machine {
    std::string host;
    NetrcCredentials credentials;
  };
  std::vector<Machine> machines_;
  std::optional<NetrcCredentials> default_;
};

}  // namespace stowage::net
