#include "builder/image_env.h"

#include <algorithm>

namespace stowage::builder {
namespace {

bool names(const std::string& entry, std::string_view name) {
  return entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
         entry[name.size()] == '=';
}

void set_env(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  auto it = std::find_if(env.begin(), env.end(), [&](const auto& e) { return names(e, name); });
  if (it != env.end()) {
    *it = name + "=" + value;
  } else {
    env.push_back(name + "=" + value);
  }
}

}  // namespace

std::vector<std::string> image_env(const std::vector<std::string>& base_env,
                                   const std::map<std::string, std::string>& recipe_env) {
  std::vector<std::string> env = base_env;
  for (const auto& [name, value] : recipe_env)
    set_env(env, name, value);
  if (std::none_of(env.begin(), env.end(), [](const auto& e) { return names(e, "PATH"); }))
    env.insert(env.begin(), "PATH=" + std::string(kDefaultPath));
  return env;
}

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
  auto it = std::find_if(env.begin(), env.end(), [&](const auto& e) { return names(e, name); });
  return it == env.end() ? std::string() : it->substr(name.size() + 1);
}

}  // namespace stowage::builder
