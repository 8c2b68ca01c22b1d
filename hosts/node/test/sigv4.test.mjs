// The emulator's verifier against the official SigV4 vectors in the repository
// (`guest/sigv4/aws-sig-v4-test-suite`, Apache-2.0, see its README and LICENSE): a signed request
// from the suite verifies, and any change to it does not. Without this, the end-to-end tests
// could pass with a verifier that accepts everything.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { verify } from './sigv4.mjs';

const SUITE = new URL('../../../guest/sigv4/aws-sig-v4-test-suite/', import.meta.url);

// Cases whose path needs no normalisation (the emulator does none: Lambda paths have no dots).
const CASES = [
  'get-vanilla',
  'get-vanilla-query',
  'get-vanilla-query-order-key-case',
  'get-vanilla-query-unreserved',
  'get-vanilla-utf8-query',
  'get-vanilla-empty-query-key',
  'get-header-key-duplicate',
  'get-header-value-order',
  'get-header-value-trim',
  'get-unreserved',
  'get-utf8',
  'get-vanilla-with-session-token',
  'post-vanilla',
  'post-vanilla-query',
  'post-header-key-case',
  'post-header-key-sort',
  'post-header-value-case',
  'post-x-www-form-urlencoded',
  'post-x-www-form-urlencoded-parameters',
];

function load(name) {
  const context = JSON.parse(readFileSync(new URL(`${name}/context.json`, SUITE), 'utf8'));
  const text = readFileSync(new URL(`${name}/header-signed-request.txt`, SUITE), 'utf8');
  const blank = text.indexOf('\n\n');
  const head = blank === -1 ? text : text.slice(0, blank);
  const body = blank === -1 ? '' : text.slice(blank + 2);
  const [requestLine, ...headerLines] = head.split('\n');
  const [method, ...rest] = requestLine.split(' ');
  const target = rest.slice(0, -1).join(' ');
  const headers = headerLines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
  const expect = {
    accessKeyId: context.credentials.access_key_id,
    secretAccessKey: context.credentials.secret_access_key,
    region: context.region,
    service: context.service,
    now: new Date(context.timestamp),
  };
  const canonical = readFileSync(new URL(`${name}/header-canonical-request.txt`, SUITE), 'utf8');
  return { request: { method, target, headers, body: Buffer.from(body) }, expect, canonical };
}

for (const name of CASES) {
  test(`sigv4 suite: ${name}`, () => {
    const { request, expect, canonical } = load(name);
    const result = verify(request, expect);
    assert.ok(result.ok, result.why);
    assert.equal(result.canonicalRequest, canonical);

    const tampered = [
      { ...request, method: request.method === 'GET' ? 'POST' : 'GET' },
      { ...request, target: `${request.target}x` },
      { ...request, body: Buffer.concat([request.body, Buffer.from('!')]) },
      { ...request, headers: request.headers.map(([n, v]) => [n, n.toLowerCase() === 'host' ? `x${v}` : v]) },
    ];
    for (const changed of tampered) assert.equal(verify(changed, expect).ok, false);
    assert.equal(verify(request, { ...expect, secretAccessKey: `${expect.secretAccessKey}x` }).ok, false);
    assert.equal(verify(request, { ...expect, now: new Date() }).ok, false, 'an old signature is refused');
  });
}

test('the canonical URI of a percent-encoded path is encoded once more (non-S3 services)', () => {
  const { request, expect } = load('get-vanilla');
  const result = verify({ ...request, target: '/functions/arn%3Aaws/invocations' }, expect);
  assert.equal(result.ok, false); // signed for `/`, but the canonical request shows the encoding:
  assert.match(result.why, /\n\/functions\/arn%253Aaws\/invocations\n/);
});
