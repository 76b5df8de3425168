#include "registry/transport/authenticator.h"

#include <algorithm>
#include <set>

namespace stowage::registry::transport {
namespace {

// A token is renewed when less than this share of its lifetime is left (at most 30 s before
// expiry), so a request never leaves with a token that dies on the way.
constexpr std::chrono::seconds kMaxRefreshMargin{30};

}  // namespace

Authenticator::Authenticator(std::string registry, net::HttpClient& http,
                             const OriginPolicy& policy,
                             std::function<std::optional<Credentials>()> lookup)
    : registry_(std::move(registry)), http_(http), policy_(policy), lookup_(std::move(lookup)) {}

const std::optional<Credentials>& Authenticator::credentials() {
  if (!looked_up_) {
    credentials_ = lookup_();
    looked_up_ = true;
  }
  return credentials_;
}

std::string Authenticator::key(const std::vector<std::string>& scopes) {
  std::set<std::string> sorted(scopes.begin(), scopes.end());
  std::string k;
  for (const auto& s : sorted)
    k += s + " ";
  return k;
}

std::string Authenticator::authorization(const std::vector<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  if (!challenge_)
    return {};
  if (challenge_->scheme == "basic") {
    const auto& c = credentials();
    return c && !c->username.empty() ? basic_authorization(*c) : std::string();
  }
  auto now = std::chrono::steady_clock::now();
  auto& cached = tokens_[key(scopes)];
  if (cached.value.empty() || now >= cached.expires_at) {
    auto issued = now;
    cached = fetch_token(http_, *challenge_, scopes, credentials(), registry_, policy_);
    // Renew at 90% of the lifetime, or 30 s before expiry for long-lived tokens.
    auto lifetime = cached.expires_at - issued;
    cached.expires_at -= std::min<std::chrono::steady_clock::duration>(
        lifetime / 10,
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(kMaxRefreshMargin));
  }
  return "Bearer " + cached.value;
}

bool Authenticator::unauthorized(const std::string& www_authenticate,
                                 std::vector<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  std::optional<Challenge> usable;
  for (auto& c : parse_challenges(www_authenticate)) {
    if (c.scheme == "bearer" || (c.scheme == "basic" && !usable))
      usable = std::move(c);
  }
  if (!usable)
    return false;
  bool was_basic = challenge_ && challenge_->scheme == "basic";
  challenge_ = usable;
  if (usable->scheme == "basic") {
    const auto& c = credentials();
    // Credentials already sent and refused: sending them again cannot help.
    return c && !c->username.empty() && !was_basic;
  }
  tokens_.erase(key(scopes));
  // insufficient_scope: the registry says which scopes it wants (space-separated).
  std::string wanted = usable->param("scope");
  for (std::size_t start = 0; start < wanted.size();) {
    std::size_t end = std::min(wanted.find(' ', start), wanted.size());
    std::string scope = wanted.substr(start, end - start);
    if (!scope.empty() && std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
      scopes.push_back(scope);
    }
    start = end + 1;
  }
  return true;
}

}  // namespace stowage::registry::transport
