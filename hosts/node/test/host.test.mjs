// End to end: the transpiled release component, run by the Node host, against the emulator on
// 127.0.0.1 whose every signature check is done by `sigv4.mjs` (independent of the component).
// Needs `generated/` (test.sh transpiles it first).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { describeTask, exitCode, runTask } from '../src/host.mjs';
import { CREDENTIALS, LOG_TAIL, REGION, startEmulator } from './emulator.mjs';

const CLI = new URL('../src/cli.mjs', import.meta.url).pathname;
const ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
};

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

/** Runs the task against the emulator and checks that every request it sent was signed right. */
async function run(input, options = {}) {
  const before = emulator.requests.length;
  const lines = [];
  const report = await runTask({
    input: { region: REGION, endpointUrl: emulator.url, ...input },
    env: ENV,
    onLog: (level, message) => lines.push(`${level}: ${message}`),
    ...options,
  });
  const sent = emulator.requests.slice(before);
  for (const request of sent) {
    assert.ok(request.verification.ok, `${request.method} ${request.target}: ${request.verification.why}`);
  }
  assert.deepEqual(
    report.logs.map((l) => `${l.level}: ${l.message}`),
    lines,
    'onLog saw every log message',
  );
  return { ...report, sent };
}

const text = (bytes) => new TextDecoder().decode(bytes);

test('the payload round-trips through the component, unicode included', async () => {
  const payload = JSON.stringify({ greeting: 'héllo wörld ✓ 日本語 🚀', list: [1, 2.5, null], nested: { quote: '"' } });
  const { result, outputs, sent } = await run({ functionName: 'echo', payload, outputVariable: 'RESULT' });
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.equal(result.ok.statusCode, 200);
  assert.equal(text(result.ok.payload), payload);
  assert.equal(result.ok.executedVersion, '$LATEST');
  assert.match(result.ok.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(result.ok.functionError, undefined);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].target, '/2015-03-31/functions/echo/invocations');
  assert.equal(sent[0].body.toString('utf8'), payload);
  assert.deepEqual(outputs, [{ name: 'RESULT', value: payload, secret: false }]);
});

test('runs in parallel do not share state', async () => {
  const payloads = ['{"run":1}', '{"run":2}', '{"run":3}'];
  const reports = await Promise.all(
    payloads.map((payload, i) => run({ functionName: 'echo', payload, outputVariable: `OUT${i}` })),
  );
  reports.forEach((report, i) => {
    assert.equal(text(report.result.ok.payload), payloads[i]);
    assert.deepEqual(report.outputs, [{ name: `OUT${i}`, value: payloads[i], secret: false }]);
  });
});

test('a full ARN is sent percent-encoded and its signature verifies with the path encoded twice', async () => {
  const arn = `arn:aws:lambda:${REGION}:123456789012:function:echo`;
  const { result, sent } = await run({ functionName: arn, payload: '{"a":1}' });
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.equal(sent[0].target, `/2015-03-31/functions/${encodeURIComponent(arn)}/invocations`);
  assert.match(sent[0].verification.canonicalRequest, /arn%253Aaws%253Alambda/);
});

test('the log tail is decoded', async () => {
  const { result, sent } = await run({ functionName: 'echo', payload: '{}', logType: 'tail' });
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.equal(sent[0].headers.find(([n]) => n.toLowerCase() === 'x-amz-log-type')?.[1], 'Tail');
  assert.equal(result.ok.logTail, LOG_TAIL);
});

test('a function error comes back as the task-error function-error case', async () => {
  const { result } = await run({ functionName: 'fail', payload: '{}', logType: 'tail' });
  assert.equal(result.err?.tag, 'function-error', JSON.stringify(result));
  assert.equal(result.err.val.errorType, 'Error');
  assert.equal(result.err.val.errorMessage, 'boom');
  assert.equal(result.err.val.outcome.functionError, 'Unhandled');
  assert.equal(result.err.val.outcome.logTail, LOG_TAIL);
  assert.deepEqual(JSON.parse(text(result.err.val.outcome.payload)), { errorType: 'Error', errorMessage: 'boom' });
  assert.equal(exitCode(result), 5);
});

test('a missing function is a service-error with code ResourceNotFoundException', async () => {
  const { result } = await run({ functionName: 'missing', payload: '{}' });
  assert.equal(result.err?.tag, 'service-error', JSON.stringify(result));
  assert.equal(result.err.val.code, 'ResourceNotFoundException');
  assert.equal(result.err.val.status, 404);
  assert.match(result.err.val.message, /Function not found/);
  assert.match(result.err.val.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(exitCode(result), 4);
});

test('a host that is not allowed is refused with denied, and nothing reaches it', async () => {
  const connections = emulator.connections();
  const requests = emulator.requests.length;
  const { result, httpCalls, logs } = await run({ functionName: 'echo', payload: '{}' }, { allowEndpoints: false });
  assert.equal(result.err?.tag, 'transport-error', JSON.stringify(result));
  assert.equal(result.err.val.error.tag, 'denied');
  const authority = `127.0.0.1:${emulator.port}`;
  assert.equal(
    result.err.val.error.val,
    `host ${authority} is not allowed: add "${authority}" to allowHosts (--allow-host ${authority} on the command line)`,
  );
  assert.ok(logs.some((l) => l.level === 'warning' && l.message.includes('is not allowed')));
  assert.ok(httpCalls >= 1);
  assert.equal(emulator.connections(), connections, 'no connection was made');
  assert.equal(emulator.requests.length, requests, 'no request was received');
  assert.equal(exitCode(result), 7);

  // The same endpoint named in allowHosts is reachable.
  const allowed = await run({ functionName: 'echo', payload: '{}' }, { allowEndpoints: false, allowHosts: [authority] });
  assert.ok(allowed.result.ok, JSON.stringify(allowed.result.err));
});

test('the secret key never appears in a log line or an output', async () => {
  // A function that echoes the secret back, and every header and body logged at debug level:
  // the host must mask what the component logs.
  const payload = JSON.stringify({ leaked: CREDENTIALS.secretAccessKey });
  const { result, logs, outputs, secrets } = await run({ functionName: 'echo', payload, httpLog: 'bodies' });
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.ok(secrets.size >= 1, 'the component registered the secret key');
  assert.ok(secrets.values().includes(CREDENTIALS.secretAccessKey));
  assert.ok(logs.length > 0);
  for (const { message } of logs) assert.ok(!message.includes(CREDENTIALS.secretAccessKey), message);
  assert.deepEqual(outputs, []);
  assert.ok(!JSON.stringify({ logs, outputs, secrets }).includes(CREDENTIALS.secretAccessKey));
});

test('a wrong secret key is caught by the emulator: the signature check can fail', async () => {
  const { result, sent } = await runTask({
    input: { functionName: 'echo', payload: '{}', region: REGION, endpointUrl: emulator.url },
    env: { ...ENV, AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
  }).then((report) => ({ ...report, sent: emulator.requests.slice(-1) }));
  assert.equal(result.err?.tag, 'service-error', JSON.stringify(result));
  assert.equal(result.err.val.code, 'InvalidSignatureException');
  assert.equal(sent[0].verification.ok, false);
});

test('the read timeout is honoured and reported as read-timeout', async () => {
  const started = Date.now();
  const { result } = await run(
    { functionName: 'hang', payload: '{}', readTimeoutMs: 300, maxAttempts: 1 },
    { limits: { wallTimeMs: 10_000 } }, // a bound for the test itself, far above the read timeout
  );
  assert.equal(result.err?.tag, 'transport-error', JSON.stringify(result));
  assert.equal(result.err.val.error.tag, 'read-timeout');
  assert.ok(Date.now() - started < 5000);
});

test('the wall-clock limit stops a run that waits too long', async () => {
  const { result } = await run({ functionName: 'hang', payload: '{}' }, { limits: { wallTimeMs: 400 } });
  assert.equal(result.err?.tag, 'sandbox', JSON.stringify(result));
  assert.match(result.err.val, /wall-clock limit of 0.4 s/);
  assert.equal(exitCode(result), 7);
});

test('a limit hit inside an import ends the run as a sandbox error', async () => {
  const { result, sent } = await run({ functionName: 'echo', payload: '{}' }, { limits: { maxSecrets: 0 } });
  assert.deepEqual(result, { err: { tag: 'sandbox', val: 'more than 0 secrets registered' } });
  assert.equal(sent.length, 0);
  assert.equal(exitCode(result), 7);
});

test('a secret larger than the limit ends the run before anything is sent', async () => {
  // The component registers the 40-byte secret access key first thing.
  const { result, sent } = await run({ functionName: 'echo', payload: '{}' }, { limits: { maxSecretBytes: 16 } });
  assert.deepEqual(result, { err: { tag: 'sandbox', val: 'a secret of 40 bytes, more than the 16-byte limit (limits.maxSecretBytes)' } });
  assert.equal(sent.length, 0);
});

test('check-function-exists calls GetFunctionConfiguration first, signed', async () => {
  const { result, sent } = await run({ functionName: 'echo', payload: '{}', checkFunctionExists: true });
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.deepEqual(
    sent.map((r) => `${r.method} ${r.target}`),
    ['GET /2015-03-31/functions/echo/configuration', 'POST /2015-03-31/functions/echo/invocations'],
  );
});

test('environment variables outside the allowlist are hidden from the component', async () => {
  // AWS_SHARED_CREDENTIALS_FILE is not in the list: the component cannot learn it.
  const { result, logs } = await run(
    { functionName: 'echo', payload: '{}' },
    { env: { ...ENV, AWS_SHARED_CREDENTIALS_FILE: '/tmp/elsewhere', HOME: '/root' } },
  );
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.ok(!JSON.stringify(logs).includes('/tmp/elsewhere'));
});

test('read-file: the shared credentials file is read only when the embedder allows it', async () => {
  const home = await mkdtemp(join(tmpdir(), 'lambda-invoke-node-home-'));
  await mkdir(join(home, '.aws'));
  await writeFile(
    join(home, '.aws', 'credentials'),
    `[default]\naws_access_key_id = ${CREDENTIALS.accessKeyId}\naws_secret_access_key = ${CREDENTIALS.secretAccessKey}\n`,
  );
  const input = { functionName: 'echo', payload: '{"from":"file"}' };
  const denied = await run(input, { env: {}, home });
  assert.equal(denied.result.err?.tag, 'credentials-not-found', JSON.stringify(denied.result));
  assert.ok(denied.logs.some((l) => l.message.startsWith('file ~/.aws/credentials is not allowed: add "~/.aws/credentials" to allowFiles')));
  assert.equal(denied.sent.length, 0);

  const allowed = await run(input, { env: {}, home, allowFiles: ['~/.aws/credentials'] });
  assert.ok(allowed.result.ok, JSON.stringify(allowed.result.err));
  assert.equal(text(allowed.result.ok.payload), '{"from":"file"}');
  assert.ok(allowed.secrets.values().includes(CREDENTIALS.secretAccessKey), 'the secret read from the file is registered');
  assert.equal(allowed.sent.length, 1);
});

test('an invalid input is reported before anything is sent', async () => {
  const { result, sent } = await run({ functionName: 'my function', payload: '{}' });
  assert.equal(result.err?.tag, 'invalid-input', JSON.stringify(result));
  assert.equal(result.err.val.input, 'function-name');
  assert.equal(sent.length, 0);
  assert.equal(exitCode(result), 2);
});

test('describe lists the inputs and the permissions', async () => {
  const description = await describeTask();
  assert.equal(description.name, 'lambda-invoke');
  const names = description.inputs.map((i) => i.name);
  for (const name of ['function-name', 'payload', 'region', 'endpoint-url', 'log-type']) assert.ok(names.includes(name), name);
  assert.ok(description.permissions.includes('lambda:InvokeFunction'));
});

const execCli = promisify(execFile);

async function cli(args, env = ENV) {
  try {
    const { stdout, stderr } = await execCli(process.execPath, [CLI, ...args], { env: { ...env, PATH: process.env.PATH } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

test('the CLI prints the payload and exits 0', async () => {
  const payload = '{"from":"the CLI","ü":"✓"}';
  const { code, stdout, stderr } = await cli([
    '--function-name', 'echo', '--endpoint-url', emulator.url, '--region', REGION, '--payload', payload,
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, `${payload}\n`);
  assert.ok(!stderr.includes(CREDENTIALS.secretAccessKey));
});

test('the CLI exits 5 on a function error and 4 on a missing function, secrets masked', async () => {
  const failed = await cli(['--function-name', 'fail', '--endpoint-url', emulator.url, '--region', REGION, '--payload', '{}', '--debug']);
  assert.equal(failed.code, 5, failed.stderr);
  assert.match(failed.stderr, /boom/);
  const missing = await cli(['--function-name', 'missing', '--endpoint-url', emulator.url, '--region', REGION, '--payload', '{}']);
  assert.equal(missing.code, 4, missing.stderr);
  assert.match(missing.stderr, /ResourceNotFoundException/);
  const leak = await cli([
    '--function-name', 'echo', '--endpoint-url', emulator.url, '--region', REGION, '--debug',
    '--payload', JSON.stringify({ leaked: CREDENTIALS.secretAccessKey }),
  ]);
  assert.equal(leak.code, 0, leak.stderr);
  for (const stream of [leak.stdout, leak.stderr, failed.stderr]) assert.ok(!stream.includes(CREDENTIALS.secretAccessKey));
  assert.equal(leak.stdout, '{"leaked":"***"}\n');
});

test('every request the emulator received was checked, and all but the wrong-key one verified', () => {
  assert.ok(emulator.requests.length >= 10, `${emulator.requests.length} requests`);
  const failed = emulator.requests.filter((r) => !r.verification.ok);
  assert.equal(failed.length, 1, failed.map((r) => r.verification.why).join('\n'));
});
