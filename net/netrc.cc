#include "net/netrc.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"

namespace stowage::net {
namespace {

// Splits netrc text into tokens. A "macdef" body (up to an empty line) is swallowed here, as
// its lines are free text, not tokens.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  std::optional<std::string> next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
    if (pos_ >= text_.size())
      return std::nullopt;
    if (text_[pos_] == '#') {
      pos_ = std::min(text_.find('\n', pos_), text_.size());
      return next();
    }
    std::string token;
    if (text_[pos_] == '"') {
      for (++pos_; pos_ < text_.size() && text_[pos_] != '"'; ++pos_) {
        char c = text_[pos_];
        if (c == '\\' && pos_ + 1 < text_.size()) {
          c = text_[++pos_];
          c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        }
        token += c;
      }
      ++pos_;
      return token;
    }
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])))
      token += text_[pos_++];
    return token;
  }

  void skip_macro() {
    auto end = text_.find("\n\n", pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 2;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Netrc Netrc::parse(std::string_view text) {
  Netrc netrc;
  Tokenizer tokens(text);
  // The entry being filled: a machine's, the default's, or none before the first keyword.
  NetrcCredentials* current = nullptr;
  while (auto token = tokens.next()) {
    if (*token == "machine") {
      auto host = tokens.next();
      if (!host)
        break;
      netrc.machines_.push_back({*host, {}});
      current = &netrc.machines_.back().credentials;
    } else if (*token == "default") {
      netrc.default_.emplace();
      current = &*netrc.default_;
    } else if (*token == "login" || *token == "password" || *token == "account") {
      auto value = tokens.next();
      if (!value)
        break;
      if (current != nullptr && *token == "login")
        current->login = *value;
      else if (current != nullptr && *token == "password")
        current->password = *value;
    } else if (*token == "macdef") {
      tokens.skip_macro();
    }
  }
  return netrc;
}

Netrc Netrc::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      return {};
    throw Error("cannot read " + path.string() + ": " + errno_text(err),
                "netrc holds the logins for package indexes; make it readable, or point "
                "$NETRC elsewhere");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

std::filesystem::path Netrc::default_path() {
  if (const char* env = std::getenv("NETRC"); env != nullptr && *env != '\0')
    return env;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".netrc";
  return {};
}

std::optional<NetrcCredentials> Netrc::lookup(std::string_view host) const {
  for (const auto& m : machines_) {
    if (iequals(m.host, host))
      return m.credentials;
  }
  return default_;
}

}  // namespace stowage::net
