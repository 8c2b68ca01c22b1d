// The HTTP client's mapping of every failure to one WIT `http-error` case, against servers on
// 127.0.0.1 that misbehave on purpose (raw TCP, so that they can break HTTP).

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';

import { DEFAULT_LIMITS } from '../src/host.mjs';
import { send, USER_AGENT } from '../src/http.mjs';
import { parseTarget } from '../src/policy.mjs';

const servers = [];
after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** A TCP server on 127.0.0.1 calling `onConnection(socket, firstChunk)` with the request's start. */
async function rawServer(onData) {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let seen = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      seen = Buffer.concat([seen, chunk]);
      onData?.(socket, seen);
    });
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    close(callback);
  };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return server.address().port;
}

/** Answers each complete request head with `response` (a string or a function of the request). */
function answering(response) {
  return (socket, seen) => {
    const text = seen.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
    if (seen.length < end + 4 + length) return;
    socket.end(typeof response === 'function' ? response(text) : response);
  };
}

function request(overrides = {}) {
  return {
    label: 'test',
    method: 'post',
    headers: [],
    body: new TextEncoder().encode('{}'),
    connectTimeoutMs: 2000,
    readTimeoutMs: 2000,
    ...overrides,
  };
}

const limits = (overrides = {}) => ({ ...DEFAULT_LIMITS, ...overrides });

test('a response comes back whole: status, headers in order with duplicates, body', async () => {
  let head;
  const port = await rawServer(
    answering((text) => {
      head = text;
      return 'HTTP/1.1 418 I am a teapot\r\nX-B: 1\r\nContent-Length: 5\r\nx-b: 2\r\n\r\nhello';
    }),
  );
  const result = await send(
    parseTarget(`http://127.0.0.1:${port}/a%3Ab?q=1`),
    request({ headers: [{ name: 'X-Amz-Date', value: '20260101T000000Z' }, { name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }] }),
    limits(),
  );
  assert.ok(result.ok, JSON.stringify(result.err));
  assert.equal(result.ok.status, 418);
  assert.deepEqual(
    result.ok.headers.filter((h) => h.name.toLowerCase() === 'x-b'),
    [{ name: 'X-B', value: '1' }, { name: 'x-b', value: '2' }],
  );
  assert.equal(new TextDecoder().decode(result.ok.body), 'hello');
  const lines = head.split('\r\n');
  assert.equal(lines[0], 'POST /a%3Ab?q=1 HTTP/1.1');
  assert.deepEqual(lines.slice(1, 4), [`Host: 127.0.0.1:${port}`, 'Content-Length: 2', `User-Agent: ${USER_AGENT}`]);
  assert.deepEqual(lines.slice(4, 7), ['X-Amz-Date: 20260101T000000Z', 'X-A: 1', 'x-a: 2']);
});

test('headers the host derives, bodies on GET and bad header values are invalid-request', async () => {
  const target = parseTarget('http://127.0.0.1:9/');
  for (const [overrides, why] of [
    [{ headers: [{ name: 'Host', value: 'example.com' }] }, /Host is set by the host/],
    [{ headers: [{ name: 'content-length', value: '3' }] }, /content-length is set by the host/],
    [{ headers: [{ name: 'Transfer-Encoding', value: 'chunked' }] }, /set by the host/],
    [{ headers: [{ name: 'X-Evil', value: 'a\r\nInjected: 1' }] }, /character that is not allowed/],
    [{ headers: [{ name: 'Bad Name', value: 'x' }] }, /not an HTTP token/],
    [{ method: 'get' }, /cannot carry a body/],
  ]) {
    const result = await send(target, request(overrides), limits());
    assert.equal(result.err?.tag, 'invalid-request', JSON.stringify(overrides));
    assert.match(result.err.val, why);
  }
});

test('a refused connection is connect-failed', async () => {
  const port = await rawServer();
  await new Promise((resolve) => servers.pop().close(resolve));
  const result = await send(parseTarget(`http://127.0.0.1:${port}/`), request(), limits());
  assert.equal(result.err?.tag, 'connect-failed');
  assert.match(result.err.val, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
});

test('a TLS handshake that never completes is connect-timeout (the timeout includes TLS)', async () => {
  const port = await rawServer(() => {}); // accepts TCP, never speaks TLS
  const started = Date.now();
  const result = await send(parseTarget(`https://127.0.0.1:${port}/`), request({ connectTimeoutMs: 200 }), limits());
  assert.deepEqual(result.err, { tag: 'connect-timeout' });
  assert.ok(Date.now() - started < 2000);
});

test('a failed TLS handshake is connect-failed', async () => {
  const port = await rawServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  const result = await send(parseTarget(`https://127.0.0.1:${port}/`), request(), limits());
  assert.equal(result.err?.tag, 'connect-failed', JSON.stringify(result));
});

test('no answer within the read timeout is read-timeout', async () => {
  const port = await rawServer(() => {});
  const started = Date.now();
  const result = await send(parseTarget(`http://127.0.0.1:${port}/`), request({ readTimeoutMs: 200 }), limits());
  assert.deepEqual(result.err, { tag: 'read-timeout' });
  assert.ok(Date.now() - started < 2000);
});

test('a connection closed before any answer is connection-lost', async () => {
  const port = await rawServer((socket) => socket.destroy());
  const result = await send(parseTarget(`http://127.0.0.1:${port}/`), request(), limits());
  assert.equal(result.err?.tag, 'connection-lost', JSON.stringify(result));
});

test('an answer that is not HTTP is protocol', async () => {
  const port = await rawServer(answering('SMTP ready\r\n\r\n'));
  const result = await send(parseTarget(`http://127.0.0.1:${port}/`), request(), limits());
  assert.equal(result.err?.tag, 'protocol', JSON.stringify(result));
});

test('a body shorter than its Content-Length is protocol (truncated)', async () => {
  const port = await rawServer(answering('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
  const result = await send(parseTarget(`http://127.0.0.1:${port}/`), request(), limits());
  assert.equal(result.err?.tag, 'protocol', JSON.stringify(result));
  assert.match(result.err.val, /truncated/);
});

test('a body over the limit is too-large, declared or streamed', async () => {
  const declared = await rawServer(answering('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'));
  const result = await send(parseTarget(`http://127.0.0.1:${declared}/`), request(), limits({ maxResponseBody: 100 }));
  assert.deepEqual(result.err, { tag: 'too-large', val: 100n });
  const chunk = 'x'.repeat(80);
  const streamed = await rawServer(
    answering(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n${chunk}\r\n50\r\n${chunk}\r\n0\r\n\r\n`),
  );
  const again = await send(parseTarget(`http://127.0.0.1:${streamed}/`), request(), limits({ maxResponseBody: 100 }));
  assert.deepEqual(again.err, { tag: 'too-large', val: 100n });
});
