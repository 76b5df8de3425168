#include "registry/transport/challenge.h"

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace stowage::registry::transport {
namespace {

bool is_token_char(char c) {
  // RFC 7230 tchar.
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over the header; every reader skips leading whitespace.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() {
    skip_space();
    return pos_ >= s_.size();
  }
  bool peek(char c) {
    skip_space();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  bool take(char c) {
    if (!peek(c))
      return false;
    ++pos_;
    return true;
  }
  std::string token() {
    skip_space();
    std::size_t start = pos_;
    while (pos_ < s_.size() && is_token_char(s_[pos_]))
      ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  // A quoted string (with backslash escapes), or a bare value up to a comma or space (more
  // lenient than RFC 7235's token: some servers send unquoted URLs).
  std::string value() {
    skip_space();
    if (pos_ >= s_.size() || s_[pos_] != '"') {
      std::size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ' ' && s_[pos_] != '\t')
        ++pos_;
      return std::string(s_.substr(start, pos_ - start));
    }
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size())
        ++pos_;
      out += s_[pos_++];
    }
    if (pos_ < s_.size())
      ++pos_;  // closing quote
    return out;
  }
  std::size_t pos() const { return pos_; }
  void seek(std::size_t p) { pos_ = p; }

 private:
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t'))
      ++pos_;
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string Challenge::param(std::string_view key) const {
  auto it = params.find(std::string(key));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_challenges(std::string_view header) {
  std::vector<Challenge> out;
  Scanner sc(header);
  while (!sc.done()) {
    if (sc.take(','))
      continue;
    std::string scheme = sc.token();
    if (scheme.empty())
      break;  // garbage: keep what was parsed so far
    Challenge challenge{to_lower(scheme), {}};
    // Parameters run until a token that is not followed by '=': the next challenge's scheme.
    while (!sc.done()) {
      std::size_t mark = sc.pos();
      sc.take(',');
      std::string key = sc.token();
      if (key.empty() || !sc.take('=')) {
        sc.seek(mark);
        break;
      }
      challenge.params[to_lower(key)] = sc.value();
    }
    out.push_back(std::move(challenge));
  }
  return out;
}

}  // namespace stowage::registry::transport
