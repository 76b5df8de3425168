// Errors that reach the user.
//
// Every failure stowage reports is one of two exceptions:
//   - InputError: the user's input is wrong (recipe, flags, files). Exit code 2.
//   - Error: the input was fine but the work failed (I/O, network, registry). Exit code 1.
// what() is the complete, user-facing message, already formatted as
//   "<file>:<line>:<col>: <what> (<hint>)"
// so callers never have to assemble messages themselves.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace stowage {

// A place in an input file. line and column are 1-based; 0 means "unknown".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

class Error : public std::runtime_error {
 public:
  explicit Error(std::string what, std::string hint = {},
                 std::optional<SourceLocation> where = std::nullopt);

  // The message without location or hint.
  const std::string& reason() const { return reason_; }
  // What the user can do about it; may be empty.
  const std::string& hint() const { return hint_; }
  const std::optional<SourceLocation>& where() const { return where_; }
  virtual int exit_code() const { return 1; }

 private:
  std::string reason_;
  std::string hint_;
  std::optional<SourceLocation> where_;
};

class InputError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

// The errno text for `err`, for messages ("No such file or directory").
std::string errno_text(int err);

}  // namespace stowage
