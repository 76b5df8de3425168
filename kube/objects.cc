#include "kube/objects.h"

#include <algorithm>
#include <string_view>

#include "kube/sizing.h"

namespace stowage::kube {
namespace {

using nlohmann::json;

constexpr std::string_view kComponent = "model-server";
constexpr std::string_view kPortName = "http";
// Long enough for a server to finish in-flight inference requests after SIGTERM.
constexpr int kTerminationGraceSeconds = 60;
constexpr std::string_view kTmpSizeLimit = "1Gi";
constexpr std::string_view kCacheSizeLimit = "4Gi";

// The labels a Deployment selects on: immutable, so never the version.
json selector_labels(const Settings& s) {
  return {{"app.kubernetes.io/name", s.name}, {"app.kubernetes.io/instance", s.name}};
}

json common_labels(const Settings& s) {
  json labels = selector_labels(s);
  labels["app.kubernetes.io/version"] = s.version;
  labels["app.kubernetes.io/component"] = kComponent;
  labels["app.kubernetes.io/managed-by"] = "stowage";
  return labels;
}

json metadata(const Settings& s) {
  json m = {{"name", s.name}, {"labels", common_labels(s)}};
  if (!s.namespace_.empty())
    m["namespace"] = s.namespace_;
  return m;
}

json object(std::string_view api_version, std::string_view kind, const Settings& s) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", metadata(s)}};
}

// httpGet on `path` when there is one, else a TCP connect; both on the named port.
json probe_action(const std::string& path) {
  if (path.empty())
    return {{"tcpSocket", {{"port", kPortName}}}};
  return {{"httpGet", {{"path", path}, {"port", kPortName}, {"scheme", "HTTP"}}}};
}

json probe(const std::string& path, int period, int failures) {
  json p = probe_action(path);
  p["periodSeconds"] = period;
  p["failureThreshold"] = failures;
  p["timeoutSeconds"] = 5;
  p["successThreshold"] = 1;
  return p;
}

void add_probes(const Settings& s, json& container) {
  if (s.port == 0)
    return;
  container["startupProbe"] = probe(s.health_path, kStartupProbePeriodSeconds,
                                    startup_failure_threshold(s.startup_allowance));
  container["readinessProbe"] = probe(s.ready_path, 10, 3);
  container["livenessProbe"] = probe(s.health_path, 20, 3);
}

json resources(const Settings& s) {
  // No CPU limit: throttling stalls tokenisation and batching; requests drive scheduling and
  // the autoscaler. Memory requests = limits so the pod is never the node's OOM victim of
  // choice for using what it asked for. Extended resources must have requests = limits.
  json r = {{"requests", {{"cpu", s.cpu}, {"memory", s.memory}}},
            {"limits", {{"memory", s.memory}}}};
  if (s.gpu > 0) {
    r["requests"][s.gpu_resource] = s.gpu;
    r["limits"][s.gpu_resource] = s.gpu;
  }
  return r;
}

bool separate_cache(const Settings& s) {
  return s.cache_dir != "/tmp";
}

json volume_mounts(const Settings& s) {
  json mounts = json::array();
  mounts.push_back({{"name", "dshm"}, {"mountPath", "/dev/shm"}});
  mounts.push_back({{"name", "tmp"}, {"mountPath", "/tmp"}});
  if (separate_cache(s))
    mounts.push_back({{"name", "cache"}, {"mountPath", s.cache_dir}});
  return mounts;
}

json volumes(const Settings& s) {
  json v = json::array();
  v.push_back({{"name", "dshm"}, {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", s.shm}}}});
  v.push_back({{"name", "tmp"}, {"emptyDir", {{"sizeLimit", kTmpSizeLimit}}}});
  if (separate_cache(s)) {
    v.push_back({{"name", "cache"}, {"emptyDir", {{"sizeLimit", kCacheSizeLimit}}}});
  }
  return v;
}

json container_security_context() {
  return {{"allowPrivilegeEscalation", false},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"privileged", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true}};
}

json container(const Settings& s, const std::string& name) {
  json c = {{"name", name},
            {"image", s.image},
            {"imagePullPolicy", "IfNotPresent"},
            {"resources", resources(s)},
            {"securityContext", container_security_context()},
            {"volumeMounts", volume_mounts(s)}};
  if (s.set_cache_env) {
    c["env"] = json::array({{{"name", "XDG_CACHE_HOME"}, {"value", s.cache_dir}}});
  }
  if (s.port != 0) {
    c["ports"] =
        json::array({{{"name", kPortName}, {"containerPort", s.port}, {"protocol", "TCP"}}});
  }
  add_probes(s, c);
  return c;
}

json pod_security_context(const Settings& s) {
  json c = {{"runAsNonRoot", true},
            {"runAsUser", s.run_as_user},
            {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  if (s.run_as_group) {
    c["runAsGroup"] = *s.run_as_group;
    c["fsGroup"] = *s.run_as_group;
  }
  return c;
}

// "major.minor.revision >= minimum" on one label scheme, as ORed nodeSelectorTerms. `Gt`
// compares integers and is strict, so ">= m" is "Gt m-1"; equality is `In`.
void driver_terms(const NodeRequirements& r, const std::string& major, const std::string& minor,
                  const std::string& revision, json& terms) {
  auto req = [](const std::string& key, std::string_view op, long value) {
    return json{{"key", key}, {"operator", op}, {"values", json::array({std::to_string(value)})}};
  };
  if (r.min_driver_minor == 0 && r.min_driver_revision == 0) {
    terms.push_back(
        {{"matchExpressions", json::array({req(major, "Gt", r.min_driver_major - 1)})}});
    return;
  }
  terms.push_back({{"matchExpressions", json::array({req(major, "Gt", r.min_driver_major)})}});
  if (r.min_driver_revision == 0) {
    terms.push_back(
        {{"matchExpressions", json::array({req(major, "In", r.min_driver_major),
                                           req(minor, "Gt", r.min_driver_minor - 1)})}});
    return;
  }
  terms.push_back({{"matchExpressions", json::array({req(major, "In", r.min_driver_major),
                                                     req(minor, "Gt", r.min_driver_minor)})}});
  terms.push_back(
      {{"matchExpressions",
        json::array({req(major, "In", r.min_driver_major), req(minor, "In", r.min_driver_minor),
                     req(revision, "Gt", r.min_driver_revision - 1)})}});
}

json driver_affinity(const NodeRequirements& r) {
  json terms = json::array();
  // GPU Feature Discovery's current labels, then the deprecated ones older releases set.
  driver_terms(r, "nvidia.com/cuda.driver-version.major", "nvidia.com/cuda.driver-version.minor",
               "nvidia.com/cuda.driver-version.revision", terms);
  driver_terms(r, "nvidia.com/cuda.driver.major", "nvidia.com/cuda.driver.minor",
               "nvidia.com/cuda.driver.rev", terms);
  return {{"nodeAffinity",
           {{"requiredDuringSchedulingIgnoredDuringExecution", {{"nodeSelectorTerms", terms}}}}}};
}

json topology_spread(const Settings& s) {
  json constraints = json::array();
  for (const char* key : {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}) {
    constraints.push_back({{"maxSkew", 1},
                           {"topologyKey", key},
                           {"whenUnsatisfiable", "ScheduleAnyway"},
                           {"labelSelector", {{"matchLabels", selector_labels(s)}}},
                           {"matchLabelKeys", json::array({"pod-template-hash"})}});
  }
  return constraints;
}

// The pod-level fields the Deployment and the KServe predictor share.
void fill_pod_spec(const Settings& s, json& spec) {
  spec["serviceAccountName"] = s.name;
  spec["automountServiceAccountToken"] = false;
  spec["enableServiceLinks"] = false;
  spec["securityContext"] = pod_security_context(s);
  spec["terminationGracePeriodSeconds"] = kTerminationGraceSeconds;
  spec["topologySpreadConstraints"] = topology_spread(s);
  spec["volumes"] = volumes(s);
  if (!s.pull_secrets.empty()) {
    json secrets = json::array();
    for (const auto& name : s.pull_secrets)
      secrets.push_back({{"name", name}});
    spec["imagePullSecrets"] = secrets;
  }
  json node_selector = json::object();
  for (const auto& [key, value] : s.node_selector)
    node_selector[key] = value;
  if (s.gpu > 0) {
    spec["tolerations"] =
        json::array({{{"key", s.gpu_resource}, {"operator", "Exists"}, {"effect", "NoSchedule"}}});
    if (s.driver) {
      node_selector["nvidia.com/gpu.present"] = "true";
      spec["affinity"] = driver_affinity(*s.driver);
    }
  }
  if (!node_selector.empty())
    spec["nodeSelector"] = node_selector;
}

json pod_annotations(const Settings& s) {
  json a = {{"kubectl.kubernetes.io/default-container", s.name}};
  if (s.driver) {
    const auto& d = *s.driver;
    a["stowage.dev/cuda-version"] = d.cuda_version;
    a["stowage.dev/min-nvidia-driver"] = std::to_string(d.min_driver_major) + "." +
                                         std::to_string(d.min_driver_minor) + "." +
                                         std::to_string(d.min_driver_revision);
  }
  return a;
}

json deployment(const Settings& s) {
  json pod_spec = {{"containers", json::array({container(s, s.name)})}};
  fill_pod_spec(s, pod_spec);
  json spec = {
      {"selector", {{"matchLabels", selector_labels(s)}}},
      {"progressDeadlineSeconds", s.progress_deadline},
      {"revisionHistoryLimit", 5},
      // Never below the wanted count during a rollout: one extra pod at a time.
      {"strategy",
       {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}}},
      {"template",
       {{"metadata", {{"labels", common_labels(s)}, {"annotations", pod_annotations(s)}}},
        {"spec", pod_spec}}}};
  // With an autoscaler, replicas belong to it: re-applying must not reset them.
  if (!s.autoscale)
    spec["replicas"] = s.replicas;
  json d = object("apps/v1", "Deployment", s);
  d["spec"] = spec;
  return d;
}

json service(const Settings& s) {
  json svc = object("v1", "Service", s);
  svc["spec"] = {{"type", s.service_type},
                 {"selector", selector_labels(s)},
                 {"ports", json::array({{{"name", kPortName},
                                         {"port", s.port},
                                         {"targetPort", kPortName},
                                         {"protocol", "TCP"}}})}};
  return svc;
}

json service_account(const Settings& s) {
  json sa = object("v1", "ServiceAccount", s);
  sa["automountServiceAccountToken"] = false;
  return sa;
}

json autoscaler(const Settings& s) {
  const recipes::Autoscale& a = *s.autoscale;
  json hpa = object("autoscaling/v2", "HorizontalPodAutoscaler", s);
  hpa["spec"] = {
      {"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", s.name}}},
      {"minReplicas", a.min},
      {"maxReplicas", a.max},
      {"metrics",
       json::array({{{"type", "Resource"},
                     {"resource",
                      {{"name", "cpu"},
                       {"target", {{"type", "Utilization"}, {"averageUtilization", a.cpu}}}}}}})},
      // A replica removed costs a full start-up to bring back: wait at least that long.
      {"behavior",
       {{"scaleDown", {{"stabilizationWindowSeconds", std::max(300, s.startup_allowance)}}}}}};
  return hpa;
}

json disruption_budget(const Settings& s) {
  json pdb = object("policy/v1", "PodDisruptionBudget", s);
  pdb["spec"] = {{"maxUnavailable", 1},
                 {"selector", {{"matchLabels", selector_labels(s)}}},
                 {"unhealthyPodEvictionPolicy", "AlwaysAllow"}};
  return pdb;
}

}  // namespace

std::vector<KubeObject> core_objects(const Settings& s) {
  std::vector<KubeObject> objects;
  objects.push_back({"serviceaccount", service_account(s)});
  if (s.port != 0)
    objects.push_back({"service", service(s)});
  objects.push_back({"deployment", deployment(s)});
  if (s.autoscale)
    objects.push_back({"horizontalpodautoscaler", autoscaler(s)});
  const int kept = s.autoscale ? s.autoscale->min : s.replicas;
  if (kept > 1)
    objects.push_back({"poddisruptionbudget", disruption_budget(s)});
  return objects;
}

KubeObject inference_service(const Settings& s) {
  json predictor = {{"containers", json::array({container(s, "kserve-container")})},
                    {"labels", common_labels(s)},
                    {"annotations", pod_annotations(s)}};
  predictor["annotations"]["kubectl.kubernetes.io/default-container"] = "kserve-container";
  fill_pod_spec(s, predictor);
  if (s.autoscale) {
    predictor["minReplicas"] = s.autoscale->min;
    predictor["maxReplicas"] = s.autoscale->max;
    predictor["scaleMetric"] = "cpu";
    predictor["scaleTarget"] = s.autoscale->cpu;
  } else {
    predictor["minReplicas"] = s.replicas;
    predictor["maxReplicas"] = std::max(s.replicas, 1);  // KServe refuses a maximum of 0
  }
  json isvc = object("serving.kserve.io/v1beta1", "InferenceService", s);
  // A plain Deployment under KServe's control: every field above keeps its meaning, and no
  // Knative is needed.
  isvc["metadata"]["annotations"] = {{"serving.kserve.io/deploymentMode", "RawDeployment"}};
  isvc["spec"] = {{"predictor", predictor}};
  return {"inferenceservice", isvc};
}

}  // namespace stowage::kube
