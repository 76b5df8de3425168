// PEP 508 environment markers (`; python_version >= "3.10" and sys_platform == "linux"`),
// evaluated for the image being built rather than for the host.
#pragma once

#include <string>
#include <string_view>

namespace stowage::python {

// The marker variables of the target interpreter and platform.
struct MarkerEnvironment {
  std::string python_version = "3.11";         // major.minor
  std::string python_full_version = "3.11.0";  // as precise as known
  std::string platform_machine = "x86_64";     // uname -m of the target
  std::string sys_platform = "linux";
  std::string platform_system = "Linux";
  std::string os_name = "posix";
  std::string implementation_name = "cpython";
  std::string platform_python_implementation = "CPython";
};

// Evaluates `marker` in `env`. `extra` is false for every name (a lock installs no extras of
// its own). Throws InputError (without a location: the caller knows the line) for a marker
// that does not parse or names an unknown variable.
bool evaluate_marker(std::string_view marker, const MarkerEnvironment& env);

// PEP 440 comparison of two versions: negative, zero or positive. Release segments compare
// numerically with trailing zeros ignored ("1.0" == "1"); pre-releases sort before their
// release, post-releases after, dev releases before everything of the same release; a local
// label ("+cu124") only breaks ties. Text that is not a version compares as a string.
int compare_versions(std::string_view a, std::string_view b);

// Whether two spellings name the same version ("2.5.1+cu124" and "2.5.1+CU124", "1.0" and
// "1.0.0"), local label included.
bool same_version(std::string_view a, std::string_view b);

}  // namespace stowage::python
