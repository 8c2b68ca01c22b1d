// The HTTP/1.1 client behind the component's `http.send` import, on Node's `http` and `https`.
//
// The policy (`policy.mjs`) has already decided that the request may leave; this module only
// does the I/O and maps every failure to exactly one case of the WIT `http-error` variant. The
// line between "nothing was sent" (`connect-failed`, `connect-timeout`) and "the server may have
// acted on it" (`read-timeout`, `connection-lost`, `protocol`, `too-large`) is the moment the
// connection is established (after TLS for https): the request is written only after it.
// One connection per request (no pool), no redirects, no proxy, every status code is a response.

import http from 'node:http';
import https from 'node:https';

/** The `User-Agent` sent when the component does not set one. */
export const USER_AGENT = 'lambda-invoke-node/0.1.0';

// Headers the host derives itself: from the URL (`Host`), the body (`Content-Length`,
// `Transfer-Encoding`) and its connection management (`Connection`).
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Checks what can be checked before any I/O and builds the raw header list.
 *
 * @returns {{ headers: string[] } | { error: { tag: 'invalid-request', val: string } }}
 */
function prepare(target, request, limits) {
  const invalid = (why) => ({ error: { tag: 'invalid-request', val: why } });
  if (request.headers.length > limits.maxRequestHeaders) {
    return invalid(`at most ${limits.maxRequestHeaders} headers are allowed`);
  }
  const method = request.method.toUpperCase();
  if ((method === 'GET' || method === 'HEAD') && request.body.length > 0) {
    return invalid(`a ${method} request cannot carry a body`);
  }
  if (!/^\/[\x21-\x7e]*$/.test(target.path)) {
    return invalid('the URL has characters that must be percent-encoded');
  }
  const headers = [];
  let userAgent = false;
  for (const { name, value } of request.headers) {
    if (!TOKEN.test(name)) return invalid(`header name "${name}" is not an HTTP token`);
    if (!FIELD_VALUE.test(value)) return invalid(`header ${name} has a character that is not allowed`);
    if (name.length + value.length > limits.maxHeaderBytes) {
      return invalid(`header ${name} is longer than ${limits.maxHeaderBytes} bytes`);
    }
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower)) return invalid(`header ${name} is set by the host; do not send it`);
    if (lower === 'user-agent') userAgent = true;
    headers.push(name, value);
  }
  const defaultPort = target.https ? 443 : 80;
  const hostName = target.host.includes(':') ? `[${target.host}]` : target.host;
  const host = target.port === defaultPort ? hostName : `${hostName}:${target.port}`;
  const derived = ['Host', host];
  if (request.body.length > 0 || method === 'POST' || method === 'PUT') {
    derived.push('Content-Length', String(request.body.length));
  }
  if (!userAgent) derived.push('User-Agent', USER_AGENT);
  return { headers: [...derived, ...headers] };
}

/**
 * Sends one request and reads the whole response.
 *
 * @param {ReturnType<import('./policy.mjs').parseTarget>} target where the policy allowed it to go
 * @param {{ method: string, headers: {name: string, value: string}[], body: Uint8Array,
 *           connectTimeoutMs: number, readTimeoutMs: number }} request the WIT `request`
 * @param {{ maxResponseBody: number, maxRequestHeaders: number, maxHeaderBytes: number,
 *           signal?: AbortSignal }} limits
 * @returns {Promise<{ ok: { status: number, headers: {name: string, value: string}[], body: Uint8Array } }
 *                  | { err: import('../generated/interfaces/lambda-invoke-task-http.js').HttpError }>}
 */
export function send(target, request, limits) {
  const prepared = prepare(target, request, limits);
  if (prepared.error) return Promise.resolve({ err: prepared.error });

  return new Promise((resolvePromise) => {
    let settled = false;
    let connected = false;
    let connectTimer;
    let readTimer;
    let req;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(readTimer);
      limits.signal?.removeEventListener('abort', onAbort);
      if ('err' in outcome) req?.destroy();
      resolvePromise(outcome);
    };
    const fail = (tag, val) => finish({ err: val === undefined ? { tag } : { tag, val } });
    const onAbort = () => fail('connection-lost', 'the run was stopped');
    limits.signal?.addEventListener('abort', onAbort);

    const onConnected = () => {
      if (connected || settled) return;
      connected = true;
      clearTimeout(connectTimer);
      readTimer = setTimeout(() => fail('read-timeout'), request.readTimeoutMs);
    };

    try {
      req = (target.https ? https : http).request({
        host: target.host,
        port: target.port,
        method: request.method.toUpperCase(),
        path: target.path,
        headers: prepared.headers,
        agent: false,
      });
    } catch (error) {
      fail('invalid-request', error.message);
      return;
    }
    connectTimer = setTimeout(() => fail('connect-timeout'), request.connectTimeoutMs);

    req.on('socket', (socket) => {
      const event = target.https ? 'secureConnect' : 'connect';
      if (!target.https && !socket.connecting) onConnected();
      else socket.once(event, onConnected);
    });

    req.on('error', (error) => {
      const what = !error.code || error.message.includes(error.code) ? error.message : `${error.code}: ${error.message}`;
      if (!connected) fail('connect-failed', `cannot connect to ${target.authority}: ${what}`);
      else if (String(error.code).startsWith('HPE_')) fail('protocol', `invalid HTTP response: ${what}`);
      else fail('connection-lost', `the connection to ${target.authority} broke: ${what}`);
    });

    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxResponseBody) {
        fail('too-large', BigInt(limits.maxResponseBody));
        return;
      }
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > limits.maxResponseBody) fail('too-large', BigInt(limits.maxResponseBody));
        else chunks.push(chunk);
      });
      res.on('error', (error) => fail('protocol', `the response body is truncated: ${error.message}`));
      res.on('close', () => {
        if (!res.complete) fail('protocol', 'the response body is truncated: the connection closed early');
      });
      res.on('end', () => {
        const headers = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          headers.push({ name: res.rawHeaders[i], value: res.rawHeaders[i + 1] });
        }
        const body = Buffer.concat(chunks);
        finish({
          ok: {
            status: res.statusCode,
            headers,
            body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
          },
        });
      });
    });

    req.end(request.body.length > 0 ? Buffer.from(request.body) : undefined);
  });
}
