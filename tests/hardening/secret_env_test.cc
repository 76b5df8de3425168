// builder/secret_env.h: which recipe env entries are reported as secrets, and that a warning
// never repeats the value.
#include "builder/secret_env.h"

#include <catch2/catch.hpp>

#include "recipes/recipe.h"

using stowage::builder::recipe_secret_warnings;

namespace {

std::vector<std::string> warnings_for(const std::string& env_yaml) {
  auto recipe = stowage::recipes::parse_recipe("name: demo\nbase: scratch\nenv:\n" + env_yaml,
                                               "/nonexistent/stowage.yaml");
  return recipe_secret_warnings(recipe);
}

}  // namespace

TEST_CASE("env names that say secret, and values shaped like tokens, are warned about") {
  const std::string gh = "ghp_" + std::string(36, 'Z');
  const std::string hf = "hf_" + std::string(34, 'q');
  const std::string aws = "AKIA" + std::string("ABCDEFGHIJKLMNOP");
  auto w = warnings_for(
      "  HF_TOKEN: \"s3cr3t-value-1\"\n"
      "  DB_PASSWORD: \"hunter2hunter2\"\n"
      "  AWS_SECRET_ACCESS_KEY: \"wJalrXUtnFEMIK7MDENG\"\n"
      "  OPENAI_API_KEY: \"sk-abcdefghijklmnop\"\n"
      "  SOME_VAR: \"" +
      gh +
      "\"\n"
      "  OTHER: \"" +
      hf +
      "\"\n"
      "  AWS_ID: \"" +
      aws +
      "\"\n"
      "  DSN: \"postgres://app:pa55word@db:5432/x\"\n");
  REQUIRE(w.size() == 8);
  std::string all;
  for (const auto& line : w)
    all += line + "\n";
  INFO(all);
  // Sorted by key, located at the value's line, naming the key and why.
  CHECK_THAT(w[0], Catch::StartsWith("/nonexistent/stowage.yaml:"));
  CHECK_THAT(all, Catch::Contains("env.HF_TOKEN looks like a secret (its name contains TOKEN)"));
  CHECK_THAT(all, Catch::Contains("env.DB_PASSWORD looks like a secret"));
  CHECK_THAT(all, Catch::Contains("env.AWS_SECRET_ACCESS_KEY looks like a secret"));
  CHECK_THAT(all, Catch::Contains("env.OPENAI_API_KEY looks like a secret"));
  CHECK_THAT(all, Catch::Contains("env.SOME_VAR looks like a secret (the value looks like a "
                                  "GitHub token)"));
  CHECK_THAT(all, Catch::Contains("env.OTHER looks like a secret (the value looks like a "
                                  "Hugging Face token)"));
  CHECK_THAT(all, Catch::Contains("env.AWS_ID looks like a secret (the value looks like an AWS"));
  CHECK_THAT(all, Catch::Contains("env.DSN looks like a secret (the value is a URL with a "
                                  "password"));
  CHECK_THAT(all, Catch::Contains("Kubernetes Secret"));
  // The values themselves are never echoed.
  for (const std::string& secret : {std::string("s3cr3t-value-1"), std::string("hunter2hunter2"),
                                    gh, hf, aws, std::string("pa55word")}) {
    CHECK_THAT(all, !Catch::Contains(secret));
  }
}

TEST_CASE("ordinary env entries and references to secrets are not warned about") {
  auto w = warnings_for(
      "  MODEL_DIR: /models\n"
      "  KEYBOARD_LAYOUT: \"us-international\"\n"
      "  MONKEY_PATCH: \"enabled-always\"\n"
      "  HF_TOKEN_FILE: /run/secrets/hf\n"
      "  API_TOKEN: \"$API_TOKEN\"\n"
      "  PASSWORD: \"\"\n"
      "  TOKENIZERS_PARALLELISM: \"false-for-the-server\"\n"
      "  SECRET_PORT: \"8080\"\n"
      "  URL: \"https://user@example.com/x\"\n"
      "  HASH: \"ghp_short\"\n");
  std::string all;
  for (const auto& line : w)
    all += line + "\n";
  INFO(all);
  CHECK(w.empty());
  CHECK_THAT(all, !Catch::Contains("MODEL_DIR"));
  CHECK_THAT(all, !Catch::Contains("KEYBOARD_LAYOUT"));
  CHECK_THAT(all, !Catch::Contains("MONKEY_PATCH"));
  CHECK_THAT(all, !Catch::Contains("HF_TOKEN_FILE"));
  CHECK_THAT(all, !Catch::Contains("env.API_TOKEN"));
  CHECK_THAT(all, !Catch::Contains("env.PASSWORD"));
  CHECK_THAT(all, !Catch::Contains("SECRET_PORT"));
  CHECK_THAT(all, !Catch::Contains("env.URL"));
  CHECK_THAT(all, !Catch::Contains("env.HASH"));
}
