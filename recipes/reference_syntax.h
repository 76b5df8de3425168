// A basic syntax check of registry image references ("python:3.11-slim",
// "ghcr.io/org/app:1.0@sha256:…"), enough to refuse a typo in `base` before a build starts.
// registry/ owns full parsing and docker.io normalisation.
#pragma once

#include <string>
#include <string_view>

namespace stowage::recipes {

struct ReferenceProblem {
  std::string what;  // empty when the reference is well-formed
  std::string hint;
};

// What is wrong with `reference` by the distribution spec's grammar
// ([host[:port]/]path[:tag][@algorithm:hex]); `what` is empty when nothing is.
ReferenceProblem check_reference_syntax(std::string_view reference);

}  // namespace stowage::recipes
