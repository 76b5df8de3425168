#include "python/marker.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/strings.h"

namespace stowage::python {
namespace {

// A version taken apart enough to order it (PEP 440, lenient about separators).
struct Version {
  long epoch = 0;
  std::vector<long> release;
  // Pre-release: (0 = a, 1 = b, 2 = rc, number); absent = final.
  std::optional<std::pair<int, long>> pre;
  std::optional<long> post;
  std::optional<long> dev;
  std::string local;
};

long read_number(std::string_view s, std::size_t& i) {
  long n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    n = n * 10 + (s[i] - '0');
    ++i;
  }
  return n;
}

void skip_separator(std::string_view s, std::size_t& i) {
  if (i < s.size() && (s[i] == '.' || s[i] == '-' || s[i] == '_'))
    ++i;
}

bool take(std::string_view s, std::size_t& i, std::string_view word) {
  if (s.substr(i).starts_with(word)) {
    i += word.size();
    return true;
  }
  return false;
}

std::optional<Version> parse_version(std::string_view text) {
  std::string s = to_lower(text);
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
    ++i;
  if (i < s.size() && s[i] == 'v')
    ++i;
  Version v;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])))
    return std::nullopt;
  long first = read_number(s, i);
  if (i < s.size() && s[i] == '!') {
    v.epoch = first;
    ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])))
      return std::nullopt;
    first = read_number(s, i);
  }
  v.release.push_back(first);
  while (i + 1 < s.size() && s[i] == '.' && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    ++i;
    v.release.push_back(read_number(s, i));
  }
  while (!v.release.empty() && v.release.size() > 1 && v.release.back() == 0)
    v.release.pop_back();
  std::size_t save = i;
  skip_separator(s, i);
  int kind = -1;
  for (auto [word, k] : {std::pair{"alpha", 0},
                         {"beta", 1},
                         {"preview", 2},
                         {"pre", 2},
                         {"rc", 2},
                         {"a", 0},
                         {"b", 1},
                         {"c", 2}}) {
    if (take(s, i, word)) {
      kind = k;
      break;
    }
  }
  if (kind >= 0) {
    skip_separator(s, i);
    v.pre = std::pair{kind, read_number(s, i)};
  } else {
    i = save;
  }
  save = i;
  skip_separator(s, i);
  if (take(s, i, "post") || take(s, i, "rev") || take(s, i, "r")) {
    skip_separator(s, i);
    v.post = read_number(s, i);
  } else if (i > save && s[save] == '-' && i < s.size() &&
             std::isdigit(static_cast<unsigned char>(s[i]))) {
    v.post = read_number(s, i);  // "1.0-1"
  } else {
    i = save;
  }
  save = i;
  skip_separator(s, i);
  if (take(s, i, "dev")) {
    skip_separator(s, i);
    v.dev = read_number(s, i);
  } else {
    i = save;
  }
  if (i < s.size() && s[i] == '+') {
    v.local = s.substr(i + 1);
    std::replace(v.local.begin(), v.local.end(), '-', '.');
    std::replace(v.local.begin(), v.local.end(), '_', '.');
    i = s.size();
  }
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
    ++i;
  if (i != s.size())
    return std::nullopt;
  return v;
}

// Sort keys per PEP 440: dev-only releases first, then pre, final, post.
auto order_key(const Version& v) {
  // pre: a dev release without pre/post sorts before any pre-release of the same release.
  int pre_kind = v.pre ? v.pre->first : (v.dev && !v.post ? -1 : 3);
  long pre_num = v.pre ? v.pre->second : 0;
  long post = v.post ? *v.post : -1;
  long dev = v.dev ? *v.dev : std::numeric_limits<long>::max();
  return std::tuple{v.epoch, pre_kind, pre_num, post, dev};
}

int compare_parsed(const Version& a, const Version& b) {
  std::size_t n = std::max(a.release.size(), b.release.size());
  for (std::size_t k = 0; k < n; ++k) {
    long x = k < a.release.size() ? a.release[k] : 0;
    long y = k < b.release.size() ? b.release[k] : 0;
    if (x != y)
      return x < y ? -1 : 1;
  }
  if (a.epoch != b.epoch)
    return a.epoch < b.epoch ? -1 : 1;
  auto ka = order_key(a);
  auto kb = order_key(b);
  if (ka != kb)
    return ka < kb ? -1 : 1;
  if (a.local != b.local)
    return a.local < b.local ? -1 : 1;
  return 0;
}

// A recursive-descent evaluator over the marker grammar of PEP 508.
class MarkerParser {
 public:
  MarkerParser(std::string_view text, const MarkerEnvironment& env) : s_(text), env_(env) {}

  bool parse() {
    bool value = parse_or();
    skip_space();
    if (i_ != s_.size())
      fail("unexpected text at \"" + std::string(s_.substr(i_)) + "\"");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError("environment marker \"" + std::string(s_) + "\": " + what,
                     "markers follow PEP 508, e.g. python_version >= \"3.10\"");
  }

  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }

  bool keyword(std::string_view word) {
    skip_space();
    if (s_.substr(i_).starts_with(word)) {
      std::size_t end = i_ + word.size();
      bool boundary = end >= s_.size() ||
                      !(std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_');
      if (boundary || !std::isalpha(static_cast<unsigned char>(word.back()))) {
        i_ = end;
        return true;
      }
    }
    return false;
  }

  bool parse_or() {
    bool value = parse_and();
    while (keyword("or"))
      value = parse_and() || value;
    return value;
  }

  bool parse_and() {
    bool value = parse_atom();
    while (keyword("and"))
      value = parse_atom() && value;
    return value;
  }

  bool parse_atom() {
    if (keyword("(")) {
      bool value = parse_or();
      if (!keyword(")"))
        fail("missing )");
      return value;
    }
    auto [left, left_var] = parse_value();
    std::string op = parse_op();
    auto [right, right_var] = parse_value();
    bool versioned = left_var.find("version") != std::string::npos ||
                     right_var.find("version") != std::string::npos;
    return compare(left, op, right, versioned, left_var == "extra" || right_var == "extra");
  }

  std::string parse_op() {
    skip_space();
    for (std::string_view op : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
      if (s_.substr(i_).starts_with(op)) {
        i_ += op.size();
        return std::string(op);
      }
    }
    if (keyword("not")) {
      if (!keyword("in"))
        fail("expected \"not in\"");
      return "not in";
    }
    if (keyword("in"))
      return "in";
    fail("expected a comparison operator");
  }

  // A quoted string or a variable; returns (value, variable name or "").
  std::pair<std::string, std::string> parse_value() {
    skip_space();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
      char quote = s_[i_++];
      std::size_t end = s_.find(quote, i_);
      if (end == std::string_view::npos)
        fail("unterminated string");
      std::string value(s_.substr(i_, end - i_));
      i_ = end + 1;
      return {value, ""};
    }
    std::size_t start = i_;
    while (i_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.')) {
      ++i_;
    }
    std::string name(s_.substr(start, i_ - start));
    if (name.empty())
      fail("expected a variable or a quoted string");
    if (name == "python_version")
      return {env_.python_version, name};
    if (name == "python_full_version")
      return {env_.python_full_version, name};
    if (name == "implementation_version")
      return {env_.python_full_version, name};
    if (name == "platform_machine")
      return {env_.platform_machine, name};
    if (name == "sys_platform")
      return {env_.sys_platform, name};
    if (name == "platform_system")
      return {env_.platform_system, name};
    if (name == "os_name" || name == "os.name")
      return {env_.os_name, name};
    if (name == "implementation_name")
      return {env_.implementation_name, name};
    if (name == "platform_python_implementation" || name == "python_implementation") {
      return {env_.platform_python_implementation, name};
    }
    if (name == "extra" || name == "extras" || name == "dependency_groups")
      return {"", "extra"};
    if (name == "platform_release" || name == "platform_version")
      return {"", name};
    fail("unknown variable " + name);
  }

  static bool compare(const std::string& left, const std::string& op, const std::string& right,
                      bool versioned, bool extra) {
    if (extra)
      return op == "!=" || op == "not in";
    if (op == "in")
      return right.find(left) != std::string::npos;
    if (op == "not in")
      return right.find(left) == std::string::npos;
    if (op == "===")
      return left == right;
    if (!versioned) {
      if (op == "==")
        return left == right;
      if (op == "!=")
        return left != right;
    }
    if ((op == "==" || op == "!=") && right.ends_with(".*")) {
      std::string prefix = right.substr(0, right.size() - 2);
      bool match = left == prefix || left.starts_with(prefix + ".");
      return op == "==" ? match : !match;
    }
    int c = compare_versions(left, right);
    if (op == "==")
      return c == 0;
    if (op == "!=")
      return c != 0;
    if (op == "<")
      return c < 0;
    if (op == "<=")
      return c <= 0;
    if (op == ">")
      return c > 0;
    if (op == ">=")
      return c >= 0;
    // ~=: at least `right`, same release prefix except for the last component.
    std::string prefix = right.substr(0, right.rfind('.'));
    return c >= 0 && (left == prefix || left.starts_with(prefix + "."));
  }

  std::string_view s_;
  const MarkerEnvironment& env_;
  std::size_t i_ = 0;
};

}  // namespace

bool evaluate_marker(std::string_view marker, const MarkerEnvironment& env) {
  return MarkerParser(marker, env).parse();
}

int compare_versions(std::string_view a, std::string_view b) {
  auto va = parse_version(a);
  auto vb = parse_version(b);
  if (!va || !vb)
    return a == b ? 0 : (a < b ? -1 : 1);
  return compare_parsed(*va, *vb);
}

bool same_version(std::string_view a, std::string_view b) {
  auto va = parse_version(a);
  auto vb = parse_version(b);
  if (!va || !vb)
    return iequals(a, b);
  return compare_parsed(*va, *vb) == 0;
}

}  // namespace stowage::python
