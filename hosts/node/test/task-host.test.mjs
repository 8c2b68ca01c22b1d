// The imports as the host serves them (`TaskHost`), without a component: masking, the
// environment allowlist, files, output variables and limits.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';

import { TaskHost } from '../src/host.mjs';
import { Secrets } from '../src/masking.mjs';
import { Policy } from '../src/policy.mjs';

test('secrets are masked in every log line from the moment they are registered', () => {
  const seen = [];
  const host = new TaskHost({ policy: new Policy(), onLog: (level, message) => seen.push(`${level}: ${message}`) });
  host.handle('log', ['info', 'before: s3cr3t-value']);
  host.handle('register-secret', ['s3cr3t-value']);
  host.handle('log', ['warning', 'after: s3cr3t-value and s3cr3t-value']);
  host.handle('set-output', ['TOKEN', 'tok-123', true]);
  host.handle('log', ['error', 'token tok-123']);
  assert.deepEqual(seen, [
    'info: before: s3cr3t-value',
    'warning: after: *** and ***',
    'error: token ***',
  ]);
  assert.deepEqual(host.logs.map((l) => `${l.level}: ${l.message}`), seen);
  assert.equal(inspect(host.secrets), 'Secrets(2 registered)');
  assert.equal(JSON.stringify(host.secrets), '{"registered":2}');
});

test('masking: longest secret first, bytes too', () => {
  const secrets = new Secrets();
  secrets.register('abc');
  secrets.register('abcdef');
  secrets.register('');
  secrets.register('abc');
  assert.equal(secrets.size, 2);
  assert.equal(secrets.mask('x abcdef y abc z'), 'x *** y *** z');
  assert.deepEqual(Buffer.from(secrets.maskBytes(Buffer.from([0xff, ...Buffer.from('abcdef'), 0xfe]))), Buffer.from([0xff, 0x2a, 0x2a, 0x2a, 0xfe]));
});

test('get-env sees only allowlisted names from the embedder map; get-variable the task variables', () => {
  const host = new TaskHost({
    policy: new Policy(),
    env: { AWS_REGION: 'eu-west-1', HOME: '/root', PATH: '/bin' },
    variables: { 'AWS.Region': 'us-west-2' },
  });
  assert.deepEqual(host.handle('get-env', ['AWS_REGION']), { ok: 'eu-west-1' });
  assert.deepEqual(host.handle('get-env', ['HOME']), { ok: undefined });
  assert.deepEqual(host.handle('get-env', ['AWS_PROFILE']), { ok: undefined });
  assert.equal(host.logs.length, 1);
  assert.match(host.logs[0].message, /HOME is hidden from the component \(allow it with allowEnv/);
  assert.deepEqual(host.handle('get-variable', ['AWS.Region']), { ok: 'us-west-2' });
  assert.deepEqual(host.handle('get-variable', ['aws.region']), { ok: undefined });
  assert.deepEqual(host.handle('get-variable', ['toString']), { ok: undefined });
});

test('read-file is denied unless the embedder allowed the path', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lambda-invoke-node-'));
  await writeFile(join(home, 'credentials'), '[default]\n');
  await writeFile(join(home, 'big'), 'x'.repeat(100));
  const host = new TaskHost({
    policy: new Policy({ home, allowFiles: ['~/credentials', '~/missing', '~/big', home] }),
    limits: { maxFileBytes: 50 },
  });
  assert.deepEqual(await host.handle('read-file', ['~/.aws/config']), {
    err: {
      tag: 'denied',
      val: 'file ~/.aws/config is not allowed: add "~/.aws/config" to allowFiles (--allow-file ~/.aws/config on the command line)',
    },
  });
  const ok = await host.handle('read-file', ['~/credentials']);
  assert.equal(new TextDecoder().decode(ok.ok), '[default]\n');
  assert.deepEqual(await host.handle('read-file', ['~/missing']), { err: { tag: 'not-found' } });
  assert.deepEqual(await host.handle('read-file', ['~/big']), { err: { tag: 'too-large', val: 50n } });
  assert.equal((await host.handle('read-file', [home])).err.tag, 'io');
  const denyAll = new TaskHost({ policy: new Policy() });
  assert.equal((await denyAll.handle('read-file', [join(home, 'credentials')])).err.tag, 'denied');
});

test('output variables: names are checked, limits stop the run', () => {
  const host = new TaskHost({ policy: new Policy(), limits: { maxOutputs: 1, maxOutputBytes: 4 } });
  assert.equal(host.handle('set-output', ['bad name', 'v', false]).err.tag, 'invalid-name');
  assert.equal(host.handle('set-output', ['', 'v', false]).err.tag, 'invalid-name');
  assert.deepEqual(host.handle('set-output', ['A', 'v', false]), { ok: undefined });
  assert.deepEqual(host.handle('set-output', ['A', 'w', false]), { ok: undefined });
  assert.deepEqual(host.outputs, [{ name: 'A', value: 'w', secret: false }]);
  assert.equal(host.handle('set-output', ['B', 'v', false]).err.tag, 'limit-exceeded');
  assert.equal(host.handle('set-output', ['A', 'toolong', false]).err.tag, 'limit-exceeded');
  assert.match(host.stoppedBy, /4-byte limit/);
});

test('output variables are limited together, not only each one, and secret ones count as secrets', () => {
  const host = new TaskHost({ policy: new Policy(), limits: { maxOutputBytes: 6, maxOutputTotalBytes: 10, maxSecrets: 1 } });
  assert.deepEqual(host.handle('set-output', ['A', '123456', false]), { ok: undefined });
  assert.deepEqual(host.handle('set-output', ['A', '1234', false]), { ok: undefined }, 'a replaced value is not counted twice');
  assert.deepEqual(host.handle('set-output', ['B', '123456', false]), { ok: undefined });
  const over = host.handle('set-output', ['C', '1', false]);
  assert.equal(over.err.tag, 'limit-exceeded');
  assert.match(over.err.val, /more than 10 bytes in all \(limits.maxOutputTotalBytes\)/);
  const secrets = new TaskHost({ policy: new Policy(), limits: { maxSecrets: 1 } });
  secrets.handle('register-secret', ['one']);
  assert.equal(secrets.handle('set-output', ['S', 'two', true]).err.tag, 'limit-exceeded');
});

test('log, secret and HTTP limits', async () => {
  const host = new TaskHost({ policy: new Policy(), limits: { maxLogBytes: 10, maxSecrets: 1, maxHttpCalls: 0 } });
  host.handle('log', ['info', '0123456789']);
  assert.throws(() => host.handle('log', ['info', 'x']), /more than 10 bytes of log messages/);
  host.handle('register-secret', ['one']);
  assert.throws(() => host.handle('register-secret', ['two']), /more than 1 secrets/);
  const refused = await host.handle('http.send', [
    { label: 'x', method: 'get', url: 'https://lambda.us-east-1.amazonaws.com/', headers: [], body: new Uint8Array(), connectTimeoutMs: 1, readTimeoutMs: 1 },
  ]);
  assert.deepEqual(refused, { err: { tag: 'limit-exceeded', val: 'more than 0 HTTP requests in one run' } });
});
