// Validates generated Kubernetes manifests (YAML or JSON files) against real schemas:
//   - core objects: the Kubernetes OpenAPI schemas compiled into the npm package
//     kubernetes-models (types, required fields, enums, quantity/int-or-string formats);
//   - serving.kserve.io/v1beta1 InferenceService: KServe's CRD schema (kserve/README.md);
//   - unknown fields, refused as `kubectl apply --validate=strict` does: for core objects from
//     kubernetes-models' declarations of every schema type, for the InferenceService from the
//     CRD schema; every Deployment's pod template is also checked against KServe's copy of
//     the PodSpec schema;
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

// A CRD schema as ajv reads it, with one change: an object that declares its properties
// refuses others (unless the CRD says x-kubernetes-preserve-unknown-fields), as the API
// server's strict field validation does. The x-kubernetes-* keywords themselves are ignored
// (strict: false), and so are formats such as int32 (validateFormats: false).
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

// Unknown fields. kubernetes-models' compiled validators ignore properties the schema does
// not declare; kubectl --validate=strict refuses them. The package's type declarations list
// every declared property of every schema type, so they are walked alongside the object.
const declarations = new Map();  // .d.ts path -> { props: name -> type text, imports } | null

function resolveImport(fromFile, spec) {
  const base = spec.startsWith(".") ? path.resolve(path.dirname(fromFile), spec) : path.join(modules, spec);
  return base + ".d.ts";
}

function declaration(file) {
  if (declarations.has(file)) return declarations.get(file);
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    declarations.set(file, null);
    return null;
  }
  const imports = {};
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    for (const name of m[1].split(",").map((n) => n.trim())) imports[name] = resolveImport(file, m[2]);
  }
  const body = /^export interface \w+[^{]*\{\n([\s\S]*?)^\}$/m.exec(text);
  if (!body) {
    declarations.set(file, null);  // a type alias (Quantity, IntOrString, Time): a scalar
    return null;
  }
  const props = {};
  const lines = body[1].replace(/^\s*\/\*\*[\s\S]*?\*\/\n/gm, "").split("\n");
  let current = null;
  for (const line of lines) {
    const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(line);
    if (m) {
      current = m[1];
      props[current] = m[2];
    } else if (current && line.trim()) {
      props[current] += " " + line.trim();
    }
  }
  const decl = { props, imports };
  declarations.set(file, decl);
  return decl;
}

// The declaration file an object-valued type text points to, and whether it is a list or map.
function typeTarget(decl, typeText) {
  let t = typeText.replace(/;$/, "").trim();
  let shape = "object";
  let m;
  if ((m = /^Array<(\w+)>$/.exec(t))) {
    shape = "array";
    t = m[1];
  } else if ((m = /^\{ \[key: string\]: (\w+); \}$/.exec(t))) {
    shape = "map";
    t = m[1];
  }
  return decl.imports[t] ? { shape, file: decl.imports[t] } : null;
}

function unknownFields(data, file, where) {
  const decl = declaration(file);
  if (!decl || !data || typeof data !== "object" || Array.isArray(data)) return [];
  const problems = [];
  for (const [key, value] of Object.entries(data)) {
    if (!(key in decl.props)) {
      problems.push(`${where}/${key}: unknown field`);
      continue;
    }
    const target = typeTarget(decl, decl.props[key]);
    if (!target) continue;
    if (target.shape === "array" && Array.isArray(value)) {
      value.forEach((v, i) => problems.push(...unknownFields(v, target.file, `${where}/${key}/${i}`)));
    } else if (target.shape === "map" && value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) problems.push(...unknownFields(v, target.file, `${where}/${key}/${k}`));
    } else {
      problems.push(...unknownFields(value, target.file, `${where}/${key}`));
    }
  }
  return problems;
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
    // The CRD leaves metadata to the API server's ObjectMeta.
    const objectMeta = path.join(modules, "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta.d.ts");
    problems.push(...unknownFields(obj.metadata, objectMeta, `${where}/metadata`));
    return problems;
  }
  const Model = coreModel(apiVersion, kind);
  if (!Model) return [...problems, `${where}: no schema for ${apiVersion} ${kind}`];
  problems.push(...modelErrors(Model, obj, where));
  problems.push(...unknownFields(obj, path.join(modules, "kubernetes-models", apiVersion, `${kind}.d.ts`), where));
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
