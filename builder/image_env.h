// The environment (config Env) of the image a build writes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stowage::builder {

// The conventional PATH that BuildKit, buildah, containerd and Docker all fall back to.
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The image's Env: `base_env` (the base config's "NAME=value" entries, in order) with every
// `recipe_env` variable set: in place when the base has it, else appended in name order; and
// when neither sets PATH, "PATH=" + kDefaultPath first. So an image on a rootfs:, scratch or
// PATH-less base still gets a PATH, as BuildKit and buildah give one, and a bare command name
// resolves the same under every runtime instead of under each runtime's own fallback (or
// none: containerd gives a process no PATH when the image's Env is set but has none).
std::vector<std::string> image_env(const std::vector<std::string>& base_env,
                                   const std::map<std::string, std::string>& recipe_env);

// The value of `name` in `env` ("NAME=value" entries); empty when it is not set.
std::string env_value(const std::vector<std::string>& env, std::string_view name);

}  // namespace stowage::builder
