#include "builder/secret_env.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/strings.h"

namespace stowage::builder {
namespace {

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Whether `value` contains `prefix` followed by at least `min_tail` token characters.
bool has_token(std::string_view value, std::string_view prefix, std::size_t min_tail) {
  for (auto at = value.find(prefix); at != std::string_view::npos;
       at = value.find(prefix, at + 1)) {
    if (at > 0 && token_char(value[at - 1]))
      continue;  // inside a longer word
    std::size_t n = 0;
    for (std::size_t i = at + prefix.size(); i < value.size() && token_char(value[i]); ++i)
      ++n;
    if (n >= min_tail)
      return true;
  }
  return false;
}

// AWS access key ids: AKIA/ASIA + 16 upper-case letters or digits.
bool has_aws_key_id(std::string_view value) {
  for (std::string_view prefix : {"AKIA", "ASIA"}) {
    for (auto at = value.find(prefix); at != std::string_view::npos;
         at = value.find(prefix, at + 1)) {
      std::string_view tail = value.substr(at + 4, 16);
      if (tail.size() == 16 && std::all_of(tail.begin(), tail.end(), [](char c) {
            return std::isupper(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c));
          }))
        return true;
    }
  }
  return false;
}

// "scheme://user:password@host": a URL that carries a password.
bool has_url_credentials(std::string_view value) {
  auto scheme = value.find("://");
  if (scheme == std::string_view::npos)
    return false;
  std::string_view rest = value.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  auto at = rest.rfind('@');
  if (at == std::string_view::npos)
    return false;
  auto colon = rest.substr(0, at).find(':');
  return colon != std::string_view::npos && colon + 1 < at;
}

// Why `value` looks like a token, or "" when it does not.
std::string token_shape(std::string_view value) {
  if (has_aws_key_id(value))
    return "the value looks like an AWS access key id";
  constexpr std::array<std::string_view, 6> kGitHub = {"ghp_", "gho_", "ghu_",
                                                       "ghs_", "ghr_", "github_pat_"};
  if (std::any_of(kGitHub.begin(), kGitHub.end(),
                  [&](std::string_view p) { return has_token(value, p, 30); }))
    return "the value looks like a GitHub token";
  if (has_token(value, "hf_", 30))
    return "the value looks like a Hugging Face token";
  if (value.find("-----BEGIN") != std::string_view::npos &&
      value.find("PRIVATE KEY") != std::string_view::npos)
    return "the value holds a private key";
  if (has_url_credentials(value))
    return "the value is a URL with a password in it";
  return "";
}

// Why `name` says it holds a secret, or "".
std::string secret_name(std::string_view name) {
  std::string n = to_upper(name);
  // Hugging Face's TOKENIZERS_PARALLELISM and friends configure tokenizers, not credentials.
  for (auto at = n.find("TOKENIZER"); at != std::string::npos; at = n.find("TOKENIZER"))
    n.replace(at, 9, "-");
  static constexpr std::array<std::string_view, 7> kWords = {
      "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "APIKEY"};
  for (std::string_view w : kWords) {
    if (n.find(w) != std::string::npos)
      return "its name contains " + std::string(w);
  }
  // KEY as a word of the name (AWS_SECRET_ACCESS_KEY, KEY, PRIVATE_KEY_PEM), not a part of one
  // (KEYBOARD_LAYOUT, MONKEY).
  std::size_t start = 0;
  while (start <= n.size()) {
    auto end = n.find('_', start);
    if (end == std::string::npos)
      end = n.size();
    if (std::string_view(n).substr(start, end - start) == "KEY")
      return "its name contains KEY";
    start = end + 1;
  }
  return "";
}

// Values that name where a secret is, rather than holding it.
bool is_reference(std::string_view value) {
  if (value.empty() || value.front() == '/' || value.front() == '$')
    return true;
  // Short placeholders ("none", "changeme", "0") are not worth a warning; real secrets are long.
  return value.size() < 8 || std::all_of(value.begin(), value.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0;
         });
}

}  // namespace

std::vector<std::string> secret_env_warnings(const recipes::Recipe& recipe) {
  std::vector<std::string> out;
  for (const auto& [key, value] : recipe.env) {
    std::string why = token_shape(value);
    if (why.empty() && !is_reference(value))
      why = secret_name(key);
    if (why.empty())
      continue;
    SourceLocation at = recipe.where("env." + key);
    std::string where = at.file;
    if (at.line > 0)
      where += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    out.push_back(where + ": env." + key + " looks like a secret (" + why +
                  "); env values are stored in the image config, readable by anyone who can "
                  "pull the image: pass secrets at run time (a Kubernetes Secret) instead");
  }
  return out;
}

}  // namespace stowage::builder
