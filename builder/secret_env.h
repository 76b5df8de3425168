// Spotting secrets written into a recipe's `env`.
//
// An `env` value becomes part of the image config, which anyone who can pull the image can
// read (`skopeo inspect --config`); a token put there is published. stowage cannot know for
// sure what is a secret, so it warns (it does not refuse) when a variable's name says it holds
// one (…TOKEN…, …SECRET…, …PASSWORD…, …PASSWD…, …KEY…, …CREDENTIAL…) or its value has the
// shape of a well-known token (AWS access keys, GitHub and Hugging Face tokens, PEM private
// keys, credentials in a URL). Empty values and values that only reference a file or another
// variable ("/run/secrets/x", "$HF_TOKEN") are not warned about.
#pragma once

#include <string>
#include <vector>

#include "recipes/recipe.h"

namespace stowage::builder {

// One warning per suspicious `env` entry, in key order, each formatted as
// "<file>:<line>:<col>: env.KEY looks like a secret (<why>); <what to do>". The value itself is
// never part of the message.
std::vector<std::string> secret_env_warnings(const recipes::Recipe& recipe);

}  // namespace stowage::builder
