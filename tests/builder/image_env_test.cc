// The image's Env: the base's, a default PATH when the base has none, the recipe's on top.
#include "builder/image_env.h"

#include <catch2/catch.hpp>

using stowage::builder::env_value;
using stowage::builder::image_env;
using Env = std::vector<std::string>;

TEST_CASE("a base without PATH gets the conventional default, which the recipe overrides") {
  const std::string path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  CHECK(image_env({}, {}) == Env{path});
  CHECK(image_env({}, {{"MODEL_DIR", "/models"}, {"A", "1"}}) ==
        Env{path, "A=1", "MODEL_DIR=/models"});
  CHECK(image_env({"LANG=C.UTF-8"}, {}) == Env{path, "LANG=C.UTF-8"});
  // A recipe's PATH is set like any other variable: no default is added.
  CHECK(image_env({"LANG=C.UTF-8"}, {{"PATH", "/opt/venv/bin:/usr/bin"}}) ==
        Env{"LANG=C.UTF-8", "PATH=/opt/venv/bin:/usr/bin"});
  // A variable whose name only starts with PATH is not PATH.
  CHECK(image_env({"PATHEXT=.py"}, {}) == Env{path, "PATHEXT=.py"});
}

TEST_CASE("a base's PATH is kept, and the recipe's variables replace the base's in place") {
  Env base{"PATH=/opt/conda/bin:/usr/bin", "LANG=C.UTF-8", "HOME=/root"};
  CHECK(image_env(base, {}) == base);
  CHECK(image_env(base, {{"LANG", "en_GB.UTF-8"}, {"PORT", "8080"}}) ==
        Env{"PATH=/opt/conda/bin:/usr/bin", "LANG=en_GB.UTF-8", "HOME=/root", "PORT=8080"});
  CHECK(image_env(base, {{"PATH", "/app/bin"}}) ==
        Env{"PATH=/app/bin", "LANG=C.UTF-8", "HOME=/root"});
}

TEST_CASE("env_value reads one variable") {
  Env env{"PATHEXT=.py", "PATH=/usr/bin", "EMPTY="};
  CHECK(env_value(env, "PATH") == "/usr/bin");
  CHECK(env_value(env, "EMPTY").empty());
  CHECK(env_value(env, "HOME").empty());
}
