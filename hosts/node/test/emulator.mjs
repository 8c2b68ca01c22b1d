// A Lambda endpoint on 127.0.0.1 for the tests: the Invoke and GetFunctionConfiguration
// operations of the Lambda API (2015-03-31), with every request's SigV4 signature checked by
// `sigv4.mjs` before anything else; an unsigned or badly signed request gets 403
// InvalidSignatureException, as from AWS.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import { verify } from './sigv4.mjs';

/** The documentation's example credentials. */
export const CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
});
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** The log tail every function returns when asked (`X-Amz-Log-Type: Tail`); not ASCII on purpose. */
export const LOG_TAIL =
  'START RequestId: 6f1c Version: $LATEST\nhéllo from the function ✓ — 日本語\nEND RequestId: 6f1c\n';

/**
 * What each function does: `echo` returns its event, `fail` fails with an `Error: boom`,
 * `hang` never answers. Any other name does not exist (404 ResourceNotFoundException).
 */
const FUNCTIONS = new Set(['echo', 'fail', 'hang']);

const ROUTE = /^\/2015-03-31\/functions\/([^/?]+)\/(invocations|configuration)(?:\?(.*))?$/;

/**
 * Starts the emulator on 127.0.0.1, on a port the system picks.
 *
 * @returns {Promise<{ url: string, port: number, requests: object[], connections: () => number,
 *   close: () => Promise<void> }>}
 */
export async function startEmulator() {
  const requests = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      const verification = verify(
        { method: req.method, target: req.url, headers, body },
        { ...CREDENTIALS, region: REGION, service: 'lambda' },
      );
      const recorded = { method: req.method, target: req.url, headers, body, verification };
      requests.push(recorded);
      const answer = route(recorded);
      if (answer === undefined) return; // `hang`: keep the connection open, never answer
      res.writeHead(answer.status, { 'x-amzn-RequestId': randomUUID(), ...answer.headers });
      res.end(answer.body);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function errorAnswer(status, code, message) {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': code },
    body: JSON.stringify({ Type: 'User', message }),
  };
}

function header(request, name) {
  return request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function route(request) {
  if (!request.verification.ok) {
    return errorAnswer(403, 'InvalidSignatureException', `The request signature we calculated does not match: ${request.verification.why}`);
  }
  const match = ROUTE.exec(request.target);
  if (!match) return errorAnswer(404, 'UnknownOperationException', `no operation at ${request.target}`);
  const identifier = decodeURIComponent(match[1]);
  const name = identifier.includes(':function:') ? identifier.split(':function:')[1].split(':')[0] : identifier.split(':')[0];
  const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  if (!FUNCTIONS.has(name)) return errorAnswer(404, 'ResourceNotFoundException', `Function not found: ${arn}`);

  if (match[2] === 'configuration') {
    if (request.method !== 'GET') return errorAnswer(405, 'MethodNotAllowed', 'use GET');
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ FunctionName: name, FunctionArn: arn, Timeout: 3, Version: '$LATEST' }),
    };
  }
  if (request.method !== 'POST') return errorAnswer(405, 'MethodNotAllowed', 'use POST');
  if (name === 'hang') return undefined;
  const invocationType = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (invocationType === 'Event') return { status: 202, headers: {}, body: '' };
  if (invocationType === 'DryRun') return { status: 204, headers: {}, body: '' };
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
  if (header(request, 'x-amz-log-type') === 'Tail') {
    headers['X-Amz-Log-Result'] = Buffer.from(LOG_TAIL, 'utf8').toString('base64');
  }
  if (name === 'fail') {
    headers['X-Amz-Function-Error'] = 'Unhandled';
    return { status: 200, headers, body: JSON.stringify({ errorType: 'Error', errorMessage: 'boom' }) };
  }
  return { status: 200, headers, body: request.body.length > 0 ? request.body : 'null' };
}
