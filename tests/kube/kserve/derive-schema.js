// Derives tests/kube/kserve/inferenceservice-v1beta1.schema.json from KServe's CRD.
//
//   node kserve/derive-schema.js serving.kserve.io_inferenceservices.yaml > \
//     kserve/inferenceservice-v1beta1.schema.json
//
// Run by hand, with STOWAGE_KUBE_NODE_MODULES pointing at an install made by
// ../install-validator.sh (e.g. build/tests/kube/node/node_modules). It keeps the
// v1beta1 openAPIV3Schema as the CRD states it, minus `status` (never written by clients) and
// minus spec.explainer / spec.transformer (stowage writes only a predictor), so the vendored
// file stays small. Nothing else is changed.
"use strict";
const fs = require("fs");
const path = require("path");
const modules = process.env.STOWAGE_KUBE_NODE_MODULES || path.join(__dirname, "..", "node", "node_modules");
const YAML = require(path.join(modules, "yaml"));

const crd = YAML.parse(fs.readFileSync(process.argv[2], "utf8"));
const version = crd.spec.versions.find((v) => v.name === "v1beta1");
const schema = version.schema.openAPIV3Schema;
delete schema.properties.status;
const spec = schema.properties.spec;
for (const key of Object.keys(spec.properties)) {
  if (key !== "predictor") delete spec.properties[key];
}
process.stdout.write(JSON.stringify(schema) + "\n");
