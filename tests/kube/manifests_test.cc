#include "kube/manifests.h"

#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "kube/sizing.h"
#include "tests/support/kube_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace stowage::kube;
using namespace stowage::kube::testing;
using stowage::testing::TempDir;

namespace {

// The manifests in `dir`, without stowage's list of them (.stowage-manifests).
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string() != kOwnershipList)
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : files_in(dir))
    out.insert(e.filename().string());
  return out;
}

// The objects of a JSON-format rendering, by file stem ("deployment").
std::map<std::string, json> objects(const stowage::recipes::Recipe& r, const ManifestInputs& in) {
  std::map<std::string, json> out;
  for (const ManifestFile& f : render_manifests(r, in, Format::json)) {
    out[f.name.substr(0, f.name.find('.'))] = json::parse(f.content);
  }
  return out;
}

const json& pod_spec(const std::map<std::string, json>& o) {
  return o.at("deployment")["spec"]["template"]["spec"];
}

// Kubernetes' nodeSelectorTerms semantics: terms are ORed, expressions in a term ANDed; `In`
// matches a listed value; `Gt` parses the label as an integer and compares strictly.
bool node_matches(const json& terms, const std::map<std::string, std::string>& labels) {
  for (const json& term : terms) {
    bool all = true;
    for (const json& e : term["matchExpressions"]) {
      const auto it = labels.find(e["key"].get<std::string>());
      const std::string op = e["operator"];
      if (it == labels.end()) {
        all = false;
      } else if (op == "In") {
        const auto& vals = e["values"];
        all = all && std::find(vals.begin(), vals.end(), it->second) != vals.end();
      } else if (op == "Gt") {
        all = all && std::stol(it->second) > std::stol(e["values"][0].get<std::string>());
      } else {
        FAIL("unexpected operator " << op);
      }
    }
    if (all)
      return true;
  }
  return false;
}

std::map<std::string, std::string> gfd_labels(const std::string& major, const std::string& minor,
                                              const std::string& rev, bool deprecated_scheme) {
  const std::string p =
      deprecated_scheme ? "nvidia.com/cuda.driver." : "nvidia.com/cuda.driver-version.";
  return {{p + "major", major},
          {p + "minor", minor},
          {p + (deprecated_scheme ? "rev" : "revision"), rev}};
}

}  // namespace

TEST_CASE("every generated object validates against the Kubernetes and KServe schemas") {
  struct Case {
    std::string what;
    stowage::recipes::Recipe recipe;
    ManifestInputs inputs;
  };
  const std::vector<Case> cases = {{"gpu", gpu_recipe(), gpu_inputs()},
                                   {"cpu", cpu_recipe(), cpu_inputs()},
                                   {"kserve", kserve_recipe(), gpu_inputs()}};
  // One validator run for all of them: node and the schemas load once.
  TempDir tmp;
  std::vector<fs::path> files;
  for (const Case& c : cases) {
    for (Format format : {Format::yaml, Format::json}) {
      const fs::path dir = tmp / (c.what + (format == Format::yaml ? "-yaml" : "-json"));
      generate_manifests(c.recipe, c.inputs, format, dir);
      for (const auto& f : files_in(dir))
        files.push_back(f);
    }
  }
  CHECK(files.size() == 2 * (7 + 5 + 6));
  const auto result = validate(files);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out == "ok: " + std::to_string(files.size()) + " file(s) valid\n");
}

TEST_CASE("the validator rejects broken objects") {
  TempDir tmp;
  generate_manifests(kserve_recipe(), gpu_inputs(), Format::json, tmp / "k8s");
  const json deployment = json::parse(stowage::read_file(tmp / "k8s/deployment.json"));
  const json isvc = json::parse(stowage::read_file(tmp / "k8s/inferenceservice.json"));

  // Each broken file, and a word the validator must name in its complaint about it.
  std::vector<std::pair<fs::path, std::string>> broken;
  auto add = [&](const std::string& name, const json& body, const std::string& expected) {
    stowage::testing::write_text(tmp / name, body.dump());
    broken.emplace_back(tmp / name, expected);
  };
  json b = deployment;
  b["spec"]["replicas"] = "two";
  add("wrong-type.json", b, "replicas");
  b = deployment;
  b["spec"].erase("selector");
  add("missing-required.json", b, "selector");
  b = deployment;
  b["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "16GB";
  add("bad-quantity.json", b, "memory");
  b = deployment;
  b["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = json::object();
  add("misspelt-field.json", b, "readinesProbe");
  b = isvc;
  b["spec"]["predictor"]["minReplicas"] = "one";
  add("broken-isvc.json", b, "minReplicas");
  b = isvc;
  b["metadata"]["annotation"] = json::object();
  add("isvc-unknown-metadata.json", b, "annotation: unknown field");
  generate_manifests(gpu_recipe(), gpu_inputs(), Format::json, tmp / "gpu");
  b = json::parse(stowage::read_file(tmp / "gpu/horizontalpodautoscaler.json"));
  b["spec"]["behavior"]["scaleDown"]["stabilisationWindowSeconds"] = 300;
  add("hpa-unknown-field.json", b, "stabilisationWindowSeconds: unknown field");
  b = json::parse(stowage::read_file(tmp / "gpu/service.json"));
  b["spec"]["ports"][0]["target_port"] = 8080;
  add("service-unknown-field.json", b, "target_port: unknown field");
  stowage::testing::write_text(tmp / "ambiguous.yaml",
                               "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n"
                               "  labels:\n    enabled: on\n");
  broken.emplace_back(tmp / "ambiguous.yaml", "YAML 1.1");

  std::vector<fs::path> files = {tmp / "k8s/deployment.json", tmp / "k8s/inferenceservice.json"};
  for (const auto& [file, expected] : broken)
    files.push_back(file);
  const auto result = validate(files);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  // The intact files raise no complaint; each broken one does, about what was broken.
  for (const auto& intact : {files[0], files[1]}) {
    CHECK(result.out.find(intact.string()) == std::string::npos);
  }
  for (const auto& [file, expected] : broken) {
    INFO(file);
    bool named = false;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(file.string(), 0) == 0 && line.find(expected) != std::string::npos)
        named = true;
    }
    CHECK(named);
  }
}

TEST_CASE("the objects written for each recipe") {
  TempDir tmp;
  SECTION("GPU with autoscaling") {
    generate_manifests(gpu_recipe(), gpu_inputs(), Format::yaml, tmp / "k8s");
    CHECK(names_in(tmp / "k8s") ==
          std::set<std::string>{"all.yaml", "deployment.yaml", "horizontalpodautoscaler.yaml",
                                "kustomization.yaml", "poddisruptionbudget.yaml", "service.yaml",
                                "serviceaccount.yaml"});
  }
  SECTION("CPU defaults: one replica, so no PodDisruptionBudget; no autoscaler") {
    generate_manifests(cpu_recipe(), cpu_inputs(), Format::yaml, tmp / "k8s");
    CHECK(names_in(tmp / "k8s") == std::set<std::string>{"all.yaml", "deployment.yaml",
                                                         "kustomization.yaml", "service.yaml",
                                                         "serviceaccount.yaml"});
  }
  SECTION("KServe: the InferenceService is beside the others, not in the kustomization") {
    generate_manifests(kserve_recipe(), gpu_inputs(), Format::json, tmp / "k8s");
    CHECK(names_in(tmp / "k8s") ==
          std::set<std::string>{"all.json", "deployment.json", "inferenceservice.json",
                                "kustomization.yaml", "service.json", "serviceaccount.json"});
    const json k = json::parse(stowage::read_file(tmp / "k8s/kustomization.yaml"));
    CHECK(k["resources"] == json({"serviceaccount.json", "service.json", "deployment.json"}));
  }
}

TEST_CASE("every object carries the common labels and the namespace") {
  const auto o = objects(kserve_recipe(), gpu_inputs());
  for (const auto& [stem, obj] : o) {
    if (stem == "kustomization" || stem == "all")
      continue;
    INFO(stem);
    const json& labels = obj["metadata"]["labels"];
    CHECK(labels["app.kubernetes.io/name"] == "llm-chat");
    CHECK(labels["app.kubernetes.io/instance"] == "llm-chat");
    CHECK(labels["app.kubernetes.io/version"] == kDigest.substr(7, 12));
    CHECK(labels["app.kubernetes.io/component"] == "model-server");
    CHECK(labels["app.kubernetes.io/managed-by"] == "stowage");
    CHECK(obj["metadata"]["namespace"] == "ml-serving");
  }
  const auto list = o.at("all");
  CHECK(list["kind"] == "List");
  CHECK(list["items"].size() == 3);
}

TEST_CASE("the image is always the digest-pinned reference") {
  for (const auto& o : {objects(gpu_recipe(), gpu_inputs()), objects(kserve_recipe(), gpu_inputs()),
                        objects(cpu_recipe(), cpu_inputs())}) {
    const json& containers = pod_spec(o)["containers"];
    REQUIRE(containers.size() == 1);
    CHECK(containers[0]["image"] == kImage);
    CHECK(containers[0]["imagePullPolicy"] == "IfNotPresent");
    if (o.count("inferenceservice")) {
      CHECK(o.at("inferenceservice")["spec"]["predictor"]["containers"][0]["image"] == kImage);
    }
  }
}

TEST_CASE("the driver affinity admits exactly the drivers at or above the minimum") {
  const auto o = objects(gpu_recipe(), gpu_inputs());
  const json& terms =
      pod_spec(o)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                 ["nodeSelectorTerms"];
  for (bool deprecated : {false, true}) {
    INFO("deprecated GFD labels: " << deprecated);
    CHECK(node_matches(terms, gfd_labels("550", "54", "14", deprecated)));
    CHECK(node_matches(terms, gfd_labels("550", "54", "15", deprecated)));
    CHECK(node_matches(terms, gfd_labels("550", "90", "07", deprecated)));
    CHECK(node_matches(terms, gfd_labels("560", "28", "03", deprecated)));
    CHECK(node_matches(terms, gfd_labels("570", "0", "0", deprecated)));
    CHECK_FALSE(node_matches(terms, gfd_labels("550", "54", "13", deprecated)));
    CHECK_FALSE(node_matches(terms, gfd_labels("550", "40", "07", deprecated)));
    CHECK_FALSE(node_matches(terms, gfd_labels("545", "99", "99", deprecated)));
    CHECK_FALSE(node_matches(terms, gfd_labels("535", "161", "08", deprecated)));
  }
  CHECK_FALSE(node_matches(terms, {}));

  SECTION("a minimum without minor or revision") {
    ManifestInputs in = gpu_inputs();
    in.node = NodeRequirements{"13.0", 580, 0, 0};
    const auto o13 = objects(gpu_recipe(), in);
    const json& t =
        pod_spec(o13)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                     ["nodeSelectorTerms"];
    CHECK(node_matches(t, gfd_labels("580", "0", "0", false)));
    CHECK(node_matches(t, gfd_labels("590", "10", "1", true)));
    CHECK_FALSE(node_matches(t, gfd_labels("575", "99", "0", false)));
  }
}

TEST_CASE("GPU pods get the GPU, its node and its toleration") {
  const auto o = objects(gpu_recipe(), gpu_inputs());
  const json& spec = pod_spec(o);
  const json& res = spec["containers"][0]["resources"];
  CHECK(res["limits"]["nvidia.com/gpu"] == 1);
  CHECK(res["requests"]["nvidia.com/gpu"] == 1);
  CHECK(res["limits"]["memory"] == "16Gi");
  CHECK(res["requests"]["cpu"] == "4");
  CHECK(spec["tolerations"] ==
        json::parse(R"([{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}])"));
  CHECK(spec["nodeSelector"]["nvidia.com/gpu.present"] == "true");
  CHECK(spec["nodeSelector"]["cloud.google.com/gke-accelerator"] == "nvidia-l4");
  CHECK(spec["imagePullSecrets"] == json::parse(R"([{"name":"regcred"}])"));
  CHECK(o.at("horizontalpodautoscaler")["spec"]["minReplicas"] == 2);
  CHECK(o.at("horizontalpodautoscaler")["spec"]["metrics"][0]["resource"]["target"]
                                       ["averageUtilization"] == 70);
  CHECK_FALSE(o.at("deployment")["spec"].contains("replicas"));
}

TEST_CASE("CPU-only recipes get no GPU fields") {
  const auto o = objects(cpu_recipe(), cpu_inputs());
  const std::string text = o.at("deployment").dump();
  CHECK(text.find("nvidia") == std::string::npos);
  const json& spec = pod_spec(o);
  CHECK_FALSE(spec.contains("tolerations"));
  CHECK_FALSE(spec.contains("affinity"));
  CHECK_FALSE(spec.contains("nodeSelector"));
  CHECK(o.at("deployment")["spec"]["replicas"] == 1);
}

TEST_CASE("a CUDA recipe without a deploy section gets one GPU") {
  stowage::recipes::Recipe r = cpu_recipe();
  r.cuda = "12.4";
  ManifestInputs in = cpu_inputs();
  in.node = cuda_12_4();
  const auto o = objects(r, in);
  CHECK(pod_spec(o)["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1);
}

TEST_CASE("probes follow serve.health, serve.ready and serve.port") {
  SECTION("HTTP paths") {
    const auto o = objects(gpu_recipe(), gpu_inputs());
    const json& c = pod_spec(o)["containers"][0];
    CHECK(c["readinessProbe"]["httpGet"]["path"] == "/ready");
    CHECK(c["livenessProbe"]["httpGet"]["path"] == "/healthz");
    CHECK(c["startupProbe"]["httpGet"]["path"] == "/healthz");
    CHECK(c["livenessProbe"]["httpGet"]["port"] == "http");
    CHECK(c["ports"][0]["containerPort"] == 8080);
  }
  SECTION("a port without paths: TCP probes") {
    auto r = cpu_recipe();
    r.serve.health.clear();
    const auto o = objects(r, cpu_inputs());
    const json& c = pod_spec(o)["containers"][0];
    CHECK(c["readinessProbe"].contains("tcpSocket"));
    CHECK(c["livenessProbe"].contains("tcpSocket"));
    CHECK(c["startupProbe"].contains("tcpSocket"));
  }
  SECTION("no port: no probes, no Service") {
    auto r = cpu_recipe();
    r.serve.port = 0;
    const auto o = objects(r, cpu_inputs());
    const json& c = pod_spec(o)["containers"][0];
    CHECK_FALSE(c.contains("readinessProbe"));
    CHECK_FALSE(c.contains("ports"));
    CHECK(o.count("service") == 0);
  }
}

TEST_CASE("start-up allowance and progress deadline follow the documented formulas") {
  ManifestInputs in = gpu_inputs();
  in.model_bytes = std::int64_t{14} << 30;
  in.image_bytes = std::int64_t{30} << 30;
  // docs/kubernetes.md: 60 s + model bytes at 50 MiB/s; probe every 10 s.
  const double allowance = 60 + std::ceil((14.0 * 1024) / 50);
  const auto o = objects(gpu_recipe(), in);
  const json& c = pod_spec(o)["containers"][0];
  CHECK(c["startupProbe"]["periodSeconds"] == 10);
  CHECK(c["startupProbe"]["failureThreshold"] == static_cast<int>(std::ceil(allowance / 10)));
  // Pull at 25 MiB/s, plus the allowance, plus 120 s.
  const double deadline = std::ceil(30.0 * 1024 / 25) + allowance + 120;
  CHECK(o.at("deployment")["spec"]["progressDeadlineSeconds"] == static_cast<int>(deadline));

  SECTION("serve.startup_seconds overrides the derived allowance") {
    auto r = gpu_recipe();
    r.serve.startup_seconds = 1800;
    const auto o2 = objects(r, in);
    const json& c2 = pod_spec(o2)["containers"][0];
    CHECK(c2["startupProbe"]["failureThreshold"] == 180);
  }
  SECTION("small images keep Kubernetes' default deadline") {
    CHECK(objects(cpu_recipe(), cpu_inputs()).at("deployment")["spec"]["progressDeadlineSeconds"] ==
          600);
  }
}

TEST_CASE("the pod runs under the restricted security profile") {
  const auto o = objects(gpu_recipe(), gpu_inputs());
  const json& spec = pod_spec(o);
  CHECK(spec["securityContext"]["runAsNonRoot"] == true);
  CHECK(spec["securityContext"]["runAsUser"] == 1000);
  CHECK(spec["securityContext"]["runAsGroup"] == 1000);
  CHECK(spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault");
  const json& c = spec["containers"][0];
  CHECK(c["securityContext"]["allowPrivilegeEscalation"] == false);
  CHECK(c["securityContext"]["readOnlyRootFilesystem"] == true);
  CHECK(c["securityContext"]["capabilities"]["drop"] == json({"ALL"}));
  // Writable places: /dev/shm in memory with a limit, /tmp and the cache on emptyDirs.
  std::map<std::string, std::string> mounts;
  for (const json& m : c["volumeMounts"])
    mounts[m["name"]] = m["mountPath"];
  CHECK(mounts == std::map<std::string, std::string>{
                      {"dshm", "/dev/shm"}, {"tmp", "/tmp"}, {"cache", "/cache"}});
  CHECK(c["env"] == json::parse(R"([{"name":"XDG_CACHE_HOME","value":"/cache"}])"));
  for (const json& v : spec["volumes"]) {
    if (v["name"] == "dshm") {
      CHECK(v["emptyDir"]["medium"] == "Memory");
      CHECK(v["emptyDir"]["sizeLimit"] == "2Gi");
    }
  }
  CHECK(spec["topologySpreadConstraints"].size() == 2);
  CHECK(spec["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "ScheduleAnyway");
  CHECK(spec["terminationGracePeriodSeconds"] == 60);

  SECTION("a recipe without a user runs as the nonroot uid") {
    auto r = cpu_recipe();
    const auto o2 = objects(r, cpu_inputs());
    CHECK(pod_spec(o2)["securityContext"]["runAsUser"] == 65532);
  }
  SECTION("the recipe's XDG_CACHE_HOME is where the cache volume goes") {
    auto r = cpu_recipe();
    r.env["XDG_CACHE_HOME"] = "/var/cache/app";
    const auto o2 = objects(r, cpu_inputs());
    const json& c2 = pod_spec(o2)["containers"][0];
    CHECK_FALSE(c2.contains("env"));
    CHECK(c2["volumeMounts"][2]["mountPath"] == "/var/cache/app");
  }
}

TEST_CASE("output is deterministic") {
  for (Format format : {Format::yaml, Format::json}) {
    TempDir a, b;
    generate_manifests(kserve_recipe(), gpu_inputs(), format, a / "k8s");
    generate_manifests(kserve_recipe(), gpu_inputs(), format, b / "k8s");
    const auto fa = files_in(a / "k8s");
    REQUIRE(fa.size() == files_in(b / "k8s").size());
    for (const auto& f : fa) {
      INFO(f.filename());
      CHECK(stowage::read_file(f) == stowage::read_file(b / "k8s" / f.filename()));
    }
  }
}

TEST_CASE("rewriting a directory removes objects that are no longer generated") {
  TempDir tmp;
  generate_manifests(gpu_recipe(), gpu_inputs(), Format::yaml, tmp / "k8s");
  stowage::testing::write_text(tmp / "k8s/README.md", "mine");
  auto r = gpu_recipe();
  r.deploy.autoscale.reset();
  r.deploy.replicas = 1;
  generate_manifests(r, gpu_inputs(), Format::yaml, tmp / "k8s");
  const auto names = names_in(tmp / "k8s");
  CHECK(names.count("horizontalpodautoscaler.yaml") == 0);
  CHECK(names.count("poddisruptionbudget.yaml") == 0);
  CHECK(names.count("README.md") == 1);  // not ours: left alone
  CHECK(names.count("deployment.yaml") == 1);
}

TEST_CASE("a write that fails part-way leaves the previous manifests as they were") {
  TempDir tmp;
  auto earlier = cpu_recipe();
  generate_manifests(earlier, cpu_inputs(), Format::yaml, tmp / "k8s");
  std::map<std::string, std::string> before;
  for (const auto& f : files_in(tmp / "k8s"))
    before[f.filename().string()] = stowage::read_file(f);

  // A real I/O failure: cap the size of files this process may write, so the small files
  // succeed and the Deployment (several KB) fails with EFBIG.
  const auto files = render_manifests(gpu_recipe(), gpu_inputs(), Format::yaml);
  struct rlimit saved {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit capped = saved;
  capped.rlim_cur = 1500;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &capped) == 0);
  bool failed = false;
  try {
    write_manifests(tmp / "k8s", files);
  } catch (const stowage::Error& e) {
    failed = std::string(e.what()).find("File too large") != std::string::npos;
    INFO(e.what());
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  CHECK(failed);

  std::map<std::string, std::string> after;
  for (const auto& f : files_in(tmp / "k8s"))
    after[f.filename().string()] = stowage::read_file(f);
  CHECK(after == before);
}

TEST_CASE("files stowage did not write are never overwritten without --force") {
  for (Format format : {Format::yaml, Format::json}) {
    const std::string ext = format == Format::yaml ? ".yaml" : ".json";
    INFO(ext);
    TempDir tmp;
    const fs::path dir = tmp / "k8s";
    stowage::testing::write_text(dir / ("deployment" + ext), "hand-written\n");
    try {
      generate_manifests(cpu_recipe(), cpu_inputs(), format, dir);
      FAIL("a hand-written deployment was overwritten");
    } catch (const stowage::InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains((dir / ("deployment" + ext)).string()) &&
                               Catch::Contains("--force"));
    }
    // Checked before anything was written: the directory holds only the user's file.
    CHECK(names_in(dir) == std::set<std::string>{"deployment" + ext});
    CHECK_FALSE(fs::exists(dir / kOwnershipList));
    CHECK(stowage::read_file(dir / ("deployment" + ext)) == "hand-written\n");

    generate_manifests(cpu_recipe(), cpu_inputs(), format, dir, /*force=*/true);
    CHECK(stowage::read_file(dir / ("deployment" + ext)) != "hand-written\n");
    // From now on the files are stowage's: a second run replaces them without --force.
    generate_manifests(gpu_recipe(), gpu_inputs(), format, dir);
    CHECK(names_in(dir).count("horizontalpodautoscaler" + ext) == 1);
  }
}

TEST_CASE("stowage's files are known by their list, and YAML ones by their first line") {
  TempDir tmp;
  const fs::path dir = tmp / "k8s";
  const auto files = generate_manifests(gpu_recipe(), gpu_inputs(), Format::json, dir);
  std::set<std::string> expected;
  for (const auto& f : files)
    expected.insert(f.name);
  const json list = json::parse(stowage::read_file(dir / kOwnershipList));
  CHECK(list.get<std::set<std::string>>() == expected);

  // JSON files carry no mark of their own: without the list they are not known as stowage's.
  fs::remove(dir / kOwnershipList);
  auto r = gpu_recipe();
  r.deploy.autoscale.reset();
  r.deploy.replicas = 1;
  CHECK_THROWS_AS(generate_manifests(r, gpu_inputs(), Format::json, dir), stowage::InputError);
  stowage::testing::write_text(dir / kOwnershipList, "[\"deployment.json\"]\n");
  CHECK_THROWS_WITH(generate_manifests(r, gpu_inputs(), Format::json, dir),
                    Catch::Contains("service.json") && !Catch::Contains("deployment.json"));
  // A user's file in place of one no longer generated is neither replaced nor removed.
  stowage::testing::write_text(dir / "horizontalpodautoscaler.json", "{}\n");
  generate_manifests(r, gpu_inputs(), Format::json, dir, /*force=*/true);
  CHECK(stowage::read_file(dir / "horizontalpodautoscaler.json") == "{}\n");

  TempDir yaml;
  generate_manifests(cpu_recipe(), cpu_inputs(), Format::yaml, yaml / "k8s");
  for (const auto& f : files_in(yaml / "k8s")) {
    INFO(f);
    CHECK_THAT(stowage::read_file(f), Catch::StartsWith(std::string(kGeneratedHeader)));
  }
  // Without the list (not copied along, say), the header alone marks a YAML file as stowage's.
  fs::remove(yaml / "k8s" / kOwnershipList);
  CHECK_NOTHROW(generate_manifests(cpu_recipe(), cpu_inputs(), Format::yaml, yaml / "k8s"));
  // A file by the list's name that stowage did not write is not taken over either.
  stowage::testing::write_text(yaml / "k8s" / kOwnershipList, "my notes\n");
  CHECK_THROWS_WITH(generate_manifests(cpu_recipe(), cpu_inputs(), Format::yaml, yaml / "k8s"),
                    Catch::Contains(std::string(kOwnershipList)));
}
