// Spotting secrets about to be published in an image.
//
// A recipe's `env`, `labels` and `serve.command` become part of the image config, and model and
// code files become layers: anyone who can pull the image can read them (`skopeo inspect
// --config`); a token put there is published. stowage cannot know for sure what is a secret,
// so it warns (it does not refuse) when a name says it holds one (…TOKEN…, …SECRET…,
// …PASSWORD…, …PASSWD…, …KEY…, …CREDENTIAL…) or a value has the shape of a well-known token
// (AWS access keys, GitHub and Hugging Face tokens, PEM private keys, credentials in a URL).
// Empty values and values that only reference a file or another variable ("/run/secrets/x",
// "$HF_TOKEN") are not warned about.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "builder/content.h"
#include "recipes/recipe.h"

namespace stowage::builder {

// One warning per suspicious `env` entry (in key order), then `labels` entry, then
// `serve.command` argument (a token-shaped argument, the value of `--api-key=VALUE`, or the
// argument after `--token`), each formatted as
// "<file>:<line>:<col>: env.KEY looks like a secret (<why>); <what to do>". The value itself is
// never part of the message.
std::vector<std::string> recipe_secret_warnings(const recipes::Recipe& recipe);

// One warning per included file whose name says it commonly holds secrets: .env and .env.*,
// *.pem, *.key, SSH private keys (id_rsa*, id_dsa*, id_ecdsa*, id_ed25519*), .netrc,
// .git-credentials, credentials.json, .npmrc, .pypirc. Each names the image path and the
// recipe entry that brought the file; after kMaxSecretFileWarnings, one line counts the rest.
// The path is as the tree names it: print through print_warning() (core/printable.h).
inline constexpr std::size_t kMaxSecretFileWarnings = 10;
std::vector<std::string> secret_file_warnings(const recipes::Recipe& recipe,
                                              const std::vector<ContentItem>& content);

}  // namespace stowage::builder
