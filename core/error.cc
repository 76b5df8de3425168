#include "core/error.h"

#include <cstring>

namespace stowage {
namespace {

std::string format_message(const std::string& what, const std::string& hint,
                           const std::optional<SourceLocation>& where) {
  std::string out;
  if (where && !where->file.empty()) {
    out += where->file;
    if (where->line > 0) {
      out += ':' + std::to_string(where->line);
      if (where->column > 0)
        out += ':' + std::to_string(where->column);
    }
    out += ": ";
  }
  out += what;
  if (!hint.empty())
    out += " (" + hint + ")";
  return out;
}

}  // namespace

Error::Error(std::string what, std::string hint, std::optional<SourceLocation> where)
    : std::runtime_error(format_message(what, hint, where)),
      reason_(std::move(what)),
      hint_(std::move(hint)),
      where_(std::move(where)) {}

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r may return a static string instead of filling buf.
  return strerror_r(err, buf, sizeof buf);
}

}  // namespace stowage
