// Validates generated Kubernetes manifests (YAML or JSON files) against real schemas:
//   - core objects: the Kubernetes OpenAPI schemas compiled into the npm package
//     kubernetes-models (types, required fields, enums, quantity/int-or-string formats);
//   - serving.kserve.io/v1beta1 InferenceService: KServe's CRD schema (kserve/README.md);
//   - every Deployment's pod template, additionally, against KServe's copy of the PodSpec in
//     strict mode, so a misspelt or misplaced pod/container field fails too;
//   - kustomization.yaml: its resources exist beside it;
//   - YAML files: they parse the same under YAML 1.2 and YAML 1.1 (no "yes"/"on"/octal traps).
//
// Usage: node validate.js FILE... ; prints one line per problem; exits 1 if there is any.
"use strict";
const fs = require("fs");
const path = require("path");
const modules = process.env.STOWAGE_KUBE_NODE_MODULES || path.join(__dirname, "node", "node_modules");
const YAML = require(path.join(modules, "yaml"));
const Ajv = require(path.join(modules, "ajv"));
const { ObjectMeta } = require(path.join(modules, "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta"));

// CRD schemas are OpenAPI v3 with Kubernetes extensions; JSON Schema needs two adjustments.
function strictify(schema) {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strictify(v);
  if (out.properties && out.additionalProperties === undefined &&
      !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

// Compiled on first use: the KServe schema is large and most runs need it once.
let validateIsvc;
function isvcValidator() {
  if (!validateIsvc) {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: false });
    const file = path.join(__dirname, "kserve", "inferenceservice-v1beta1.schema.json");
    validateIsvc = ajv.compile(strictify(JSON.parse(fs.readFileSync(file, "utf8"))));
  }
  return validateIsvc;
}

// KServe's predictor is a Kubernetes PodSpec plus KServe's own fields, so a pod spec is
// checked by wrapping it as a predictor.
function podSpecErrors(podSpec, where) {
  const wrapper = {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name: "pod-spec-check" },
    spec: { predictor: podSpec },
  };
  const validate = isvcValidator();
  if (validate(wrapper)) return [];
  return ajvErrors(where, validate.errors).map((e) => e.replace("/spec/predictor", ""));
}

function ajvErrors(prefix, errors) {
  return errors.map((e) => `${prefix}${e.instancePath || "/"} ${e.message}` +
    (e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ""));
}

function modelErrors(Model, data, prefix) {
  try {
    new Model(data).validate();
    return [];
  } catch (err) {
    return [`${prefix}: ${err.message}`];
  }
}

function coreModel(apiVersion, kind) {
  try {
    return require(path.join(modules, "kubernetes-models", apiVersion))[kind];
  } catch (err) {
    return undefined;
  }
}

function validateObject(obj, where, file) {
  if (!obj || typeof obj !== "object") return [`${where}: not an object`];
  const { apiVersion, kind } = obj;
  if (kind === "List" && apiVersion === "v1") {
    return (obj.items || []).flatMap((item, i) => validateObject(item, `${where} items[${i}]`, file));
  }
  if (kind === "Kustomization") {
    const problems = [];
    if (apiVersion !== "kustomize.config.k8s.io/v1beta1") problems.push(`${where}: unexpected apiVersion ${apiVersion}`);
    if (!Array.isArray(obj.resources) || obj.resources.length === 0) problems.push(`${where}: no resources`);
    for (const r of obj.resources || []) {
      if (!fs.existsSync(path.join(path.dirname(file), r))) problems.push(`${where}: resource ${r} does not exist`);
    }
    return problems;
  }
  const problems = [];
  if (!obj.metadata || typeof obj.metadata.name !== "string" || obj.metadata.name === "") {
    problems.push(`${where}: metadata.name is missing`);
  }
  problems.push(...modelErrors(ObjectMeta, obj.metadata || {}, `${where} metadata`));
  if (apiVersion === "serving.kserve.io/v1beta1" && kind === "InferenceService") {
    const validate = isvcValidator();
    if (!validate(obj)) problems.push(...ajvErrors(`${where} `, validate.errors));
    return problems;
  }
  const Model = coreModel(apiVersion, kind);
  if (!Model) return [...problems, `${where}: no schema for ${apiVersion} ${kind}`];
  problems.push(...modelErrors(Model, obj, where));
  if (kind === "Deployment") {
    const podSpec = obj.spec && obj.spec.template && obj.spec.template.spec;
    problems.push(...podSpecErrors(podSpec, `${where} spec.template.spec`));
  }
  return problems;
}

function documents(file) {
  const text = fs.readFileSync(file, "utf8");
  if (file.endsWith(".json")) return [JSON.parse(text)];
  const parse = (version) => YAML.parseAllDocuments(text, { version, uniqueKeys: true, strict: true });
  const docs12 = parse("1.2");
  const docs11 = parse("1.1");
  for (const d of [...docs12, ...docs11]) {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join("; "));
  }
  const values = docs12.map((d) => d.toJS());
  if (JSON.stringify(values) !== JSON.stringify(docs11.map((d) => d.toJS()))) {
    throw new Error("reads differently under YAML 1.1 and YAML 1.2");
  }
  return values;
}

let problems = [];
for (const file of process.argv.slice(2)) {
  let docs;
  try {
    docs = documents(file);
  } catch (err) {
    problems.push(`${file}: ${err.message}`);
    continue;
  }
  if (docs.length === 0) problems.push(`${file}: no documents`);
  docs.forEach((doc, i) => {
    problems.push(...validateObject(doc, docs.length > 1 ? `${file}[${i}]` : file, file));
  });
}
for (const p of problems) console.log(p);
if (problems.length === 0) console.log(`ok: ${process.argv.length - 2} file(s) valid`);
process.exit(problems.length ? 1 : 0);
