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

// Why a `name`/`value` pair looks like a secret, or "".
std::string secret_pair(std::string_view name, std::string_view value) {
  std::string why = token_shape(value);
  if (why.empty() && !is_reference(value))
    why = secret_name(name);
  return why;
}

std::string location(const recipes::Recipe& recipe, const std::string& path) {
  SourceLocation at = recipe.where(path);
  std::string where = at.file;
  if (at.line > 0)
    where += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
  return where;
}

// Why an argument of serve.command (with the one before it, "" for the first) looks like a
// secret, or "".
std::string secret_argument(std::string_view previous, std::string_view arg) {
  if (std::string why = token_shape(arg); !why.empty())
    return why;
  // Flags spell words with '-' where variable names use '_': --api-key is API_KEY.
  auto flag_name = [](std::string_view flag) {
    std::string name(flag);
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
  };
  if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with('-'))
    return secret_pair(flag_name(arg.substr(0, eq)), arg.substr(eq + 1));
  if (previous.starts_with('-') && previous.find('=') == std::string_view::npos &&
      !arg.starts_with('-'))
    return secret_pair(flag_name(previous), arg);
  return "";
}

bool secret_file_name(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kExact = {
      ".env", ".netrc", ".git-credentials", "credentials.json", ".npmrc", ".pypirc"};
  static constexpr std::array<std::string_view, 5> kPrefixes = {".env.", "id_rsa", "id_dsa",
                                                                "id_ecdsa", "id_ed25519"};
  return std::find(kExact.begin(), kExact.end(), name) != kExact.end() ||
         std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](std::string_view p) { return name.starts_with(p); }) ||
         name.ends_with(".pem") || name.ends_with(".key");
}

}  // namespace

std::vector<std::string> recipe_secret_warnings(const recipes::Recipe& recipe) {
  static constexpr std::string_view kPublished =
      " stored in the image config, readable by anyone who can pull the image: ";
  std::vector<std::string> out;
  for (const auto& [key, value] : recipe.env) {
    if (std::string why = secret_pair(key, value); !why.empty()) {
      out.push_back(location(recipe, "env." + key) + ": env." + key + " looks like a secret (" +
                    why + "); env values are" + std::string(kPublished) +
                    "pass secrets at run time (a Kubernetes Secret) instead");
    }
  }
  for (const auto& [key, value] : recipe.labels) {
    if (std::string why = secret_pair(key, value); !why.empty()) {
      out.push_back(location(recipe, "labels." + key) + ": labels." + key +
                    " looks like a secret (" + why + "); labels are" + std::string(kPublished) +
                    "remove it");
    }
  }
  const std::vector<std::string>& command = recipe.serve.command;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const std::string why = secret_argument(i == 0 ? "" : command[i - 1], command[i]);
    if (why.empty())
      continue;
    const std::string field = "serve.command[" + std::to_string(i) + "]";
    out.push_back(location(recipe, field) + ": " + field + " looks like a secret (" + why +
                  "); the command is" + std::string(kPublished) +
                  "let the server read it from an environment variable or file set at run time");
  }
  return out;
}

std::vector<std::string> secret_file_warnings(const recipes::Recipe& recipe,
                                              const std::vector<ContentItem>& content) {
  std::vector<std::string> out;
  std::size_t more = 0;
  for (const ContentItem& item : content) {
    if (item.entry.type != layers::TarEntry::Type::file)
      continue;
    const std::string_view path = item.entry.path;
    const auto slash = path.rfind('/');
    if (!secret_file_name(slash == std::string_view::npos ? path : path.substr(slash + 1)))
      continue;
    if (out.size() == kMaxSecretFileWarnings) {
      ++more;
      continue;
    }
    out.push_back(location(recipe, item.origin + ".src") + ": /" + std::string(path) +
                  " goes into the image, and files by that name commonly hold secrets; anyone "
                  "who can pull the image can read it: exclude it in .stowageignore unless it "
                  "is meant to be public");
  }
  if (more > 0) {
    out.push_back("and " + std::to_string(more) +
                  " more files whose names commonly hold secrets go into the image");
  }
  return out;
}

}  // namespace stowage::builder
