// The YAML writer's output, read back by yaml-cpp, is the JSON it was written from.
#include "kube/yaml_emitter.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "kube/manifests.h"
#include "tests/support/kube_fixtures.h"

using nlohmann::json;
using namespace stowage::kube;
using namespace stowage::kube::testing;

namespace {

// YAML 1.2 core-schema resolution of a yaml-cpp node, with quoted scalars ("!" tag) always
// strings; enough to compare with JSON.
json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node)
        out[kv.first.as<std::string>()] = to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node)
        out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = node.Scalar();
      if (node.Tag() == "!")
        return s;
      if (s == "true")
        return true;
      if (s == "false")
        return false;
      if (s == "null")
        return nullptr;
      try {
        std::size_t used = 0;
        const long long n = std::stoll(s, &used);
        if (used == s.size())
          return n;
      } catch (const std::exception&) {
      }
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

TEST_CASE("strings that YAML would read as something else are quoted") {
  const json value = {{"plain", "nvidia.com/gpu"},
                      {"bools", json::array({"yes", "No", "on", "OFF", "true", "y", "n"})},
                      {"numbers", json::array({"1", "0755", "1e3", "16Gi", ".5", "0x1F", "1_000"})},
                      {"nulls", json::array({"null", "~", ""})},
                      {"syntax", json::array({"a: b", "- x", "#c", "*ref", "&a", "!tag", "{x}",
                                              "x #y", "'q'", "\"dq\"", "%x", "@x", "`x`"})},
                      {"space", json::array({" lead", "trail ", "two\nlines", "tab\t"})},
                      {"unicode", "naïve ✓"},
                      {"real", json::array({1, 0, -3, true, false, nullptr})},
                      {"empty", json::object()},
                      {"none", json::array()},
                      {"nested", json::array({json::array({1, "a"}), json::object({{"k", "v"}})})},
                      {"app.kubernetes.io/name", "x"}};
  const std::string yaml = to_yaml(value);
  INFO(yaml);
  CHECK(to_json(YAML::Load(yaml)) == value);
  CHECK(yaml.find("plain: nvidia.com/gpu\n") != std::string::npos);
  CHECK(yaml.find("\"yes\"") != std::string::npos);
  CHECK(yaml.find("\"16Gi\"") != std::string::npos);
}

TEST_CASE("every YAML file reads back as its JSON twin") {
  for (const auto& [recipe, inputs] :
       {std::pair{gpu_recipe(), gpu_inputs()}, std::pair{cpu_recipe(), cpu_inputs()},
        std::pair{kserve_recipe(), gpu_inputs()}}) {
    const auto yaml = render_manifests(recipe, inputs, Format::yaml);
    const auto js = render_manifests(recipe, inputs, Format::json);
    REQUIRE(yaml.size() == js.size());
    for (std::size_t i = 0; i + 1 < yaml.size(); ++i) {  // the last is all.yaml / all.json
      INFO(yaml[i].name);
      CHECK(yaml[i].name.substr(0, yaml[i].name.find('.')) ==
            js[i].name.substr(0, js[i].name.find('.')));
      json expected = json::parse(js[i].content);
      if (yaml[i].name == "kustomization.yaml") {
        for (auto& r : expected["resources"]) {
          r = r.get<std::string>().replace(r.get<std::string>().size() - 5, 5, ".yaml");
        }
      }
      CHECK(to_json(YAML::Load(yaml[i].content)) == expected);
    }
    const auto docs = YAML::LoadAll(yaml.back().content);
    const json list = json::parse(js.back().content);
    REQUIRE(docs.size() == list["items"].size());
    for (std::size_t i = 0; i < docs.size(); ++i)
      CHECK(to_json(docs[i]) == list["items"][i]);
  }
}
