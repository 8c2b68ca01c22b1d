// The Node host of the lambda-invoke component: runs the jco-transpiled release `.wasm` and
// serves its imports (`lambda-invoke:task/http` and `/environment`) in JavaScript. The same
// contract as the Rust harness (`host-harness/`): deny-by-default egress, an allowlist of
// environment variables, no files unless allowed, secrets masked in every log line, limits on
// everything the component can produce.
//
// The component runs in a worker thread, one fresh instance per run; its synchronous import
// calls are answered on this thread (see `bridge.mjs`), so the caller's event loop never blocks.

import { readdir, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { createBridge } from './bridge.mjs';
import { send } from './http.mjs';
import { Secrets } from './masking.mjs';
import { ENDPOINT_ENV_NAMES, Policy } from './policy.mjs';

/** Where `test.sh` (or `npm run transpile`) puts the transpiled component. */
export const DEFAULT_COMPONENT_DIR = new URL('../generated/', import.meta.url);
/** The file name jco gives the component's JS (`jco transpile --name lambda_invoke`). */
export const COMPONENT_JS = 'lambda_invoke.js';

/** The limits of one run; every field can be overridden in `runTask({ limits })`. */
export const DEFAULT_LIMITS = Object.freeze({
  /** Wall-clock time for the whole run: Lambda's 15 minutes, the component's 1 minute read margin, and a margin. */
  wallTimeMs: 18 * 60 * 1000,
  /** The longest connect timeout granted, whatever the component asks. */
  maxConnectTimeoutMs: 30 * 1000,
  /** Largest request body (Lambda takes 6 MB). */
  maxRequestBody: 7 << 20,
  /** Largest response body read. */
  maxResponseBody: 16 << 20,
  /** Most headers in a request, and the largest (name and value). */
  maxRequestHeaders: 64,
  maxHeaderBytes: 16 << 10,
  /** Most HTTP requests per run. */
  maxHttpCalls: 32,
  /** Most bytes of log messages per run. */
  maxLogBytes: 4 << 20,
  /** Most output variables, the largest value, and the most bytes of all values together. */
  maxOutputs: 32,
  maxOutputBytes: 8 << 20,
  maxOutputTotalBytes: 16 << 20,
  /** Most secrets registered per run (secret outputs included), and the largest. */
  maxSecrets: 64,
  maxSecretBytes: 64 << 10,
  /** Largest file `read-file` returns. */
  maxFileBytes: 1 << 20,
});

/** The input's defaults (WIT `input`): synchronous, JSON payload, no log, fail on function errors. */
export const DEFAULT_INPUT = Object.freeze({
  payload: '',
  payloadMode: 'json',
  invocationType: 'request-response',
  logType: 'none',
  failOnFunctionError: true,
  checkFunctionExists: false,
  httpLog: 'off',
});

const LOG_LEVELS = new Set(['debug', 'info', 'warning', 'error']);

/**
 * Serves the imports of one run. Every method returns `{ ok }` or `{ err }` (a WIT error the
 * component sees) or throws (a trap: a limit or a host failure ends the run).
 */
export class TaskHost {
  /**
   * @param {object} options
   * @param {Policy} options.policy
   * @param {Record<string, string>} [options.variables] task variables
   * @param {Record<string, string>} [options.env] candidate environment variables (filtered by the policy)
   * @param {Partial<typeof DEFAULT_LIMITS>} [options.limits]
   * @param {(level: string, message: string) => void} [options.onLog] receives masked log messages
   * @param {(output: {name: string, value: string, secret: boolean}) => void} [options.onOutput]
   */
  constructor({ policy, variables = {}, env = {}, limits = {}, onLog, onOutput }) {
    this.policy = policy;
    this.variables = variables;
    this.env = env;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.onLog = onLog;
    this.onOutput = onOutput;
    this.secrets = new Secrets();
    this.outputs = [];
    this.logs = [];
    this.logBytes = 0;
    this.httpCalls = 0;
    /** Why a limit stopped the run, if one did. */
    this.stoppedBy = undefined;
    this.deadline = performance.now() + this.limits.wallTimeMs;
    this.abort = new AbortController();
  }

  /** Dispatches one import call from the bridge. */
  handle(op, args) {
    switch (op) {
      case 'http.send':
        return this.send(args[0]);
      case 'get-variable':
        return { ok: ownString(this.variables, args[0]) };
      case 'get-env':
        return this.getEnv(args[0]);
      case 'set-output':
        return this.setOutput(args[0], args[1], args[2]);
      case 'register-secret':
        return this.registerSecret(args[0]);
      case 'read-file':
        return this.readFile(args[0]);
      case 'log':
        return this.logMessage(args[0], args[1]);
      default:
        throw new Error(`unknown import ${op}`);
    }
  }

  /** Records that a limit stopped the run and returns the trap that ends it. */
  stop(why) {
    this.stoppedBy = why;
    return new Error(why);
  }

  log(level, message) {
    const masked = this.secrets.mask(message);
    this.logs.push({ level, message: masked });
    this.onLog?.(level, masked);
  }

  async send(request) {
    const limits = this.limits;
    this.httpCalls += 1;
    if (this.httpCalls > limits.maxHttpCalls) {
      this.stoppedBy = `more than ${limits.maxHttpCalls} HTTP requests in one run`;
      return { err: { tag: 'limit-exceeded', val: this.stoppedBy } };
    }
    const decision = this.policy.checkRequest(request.url);
    if (decision.refused) {
      this.log('warning', decision.refused);
      return { err: { tag: 'denied', val: decision.refused } };
    }
    if (request.body.length > limits.maxRequestBody) {
      this.stoppedBy = `a request body of ${request.body.length} bytes exceeds the ${limits.maxRequestBody}-byte limit`;
      return { err: { tag: 'limit-exceeded', val: this.stoppedBy } };
    }
    const remaining = Math.floor(this.deadline - performance.now());
    if (remaining <= 0) throw this.stop(wallTimeMessage(limits.wallTimeMs));
    const started = performance.now();
    const connectTimeoutMs = Math.min(request.connectTimeoutMs, limits.maxConnectTimeoutMs, remaining);
    const readTimeoutMs = Math.min(request.readTimeoutMs, remaining);
    this.log(
      'debug',
      `${request.label}: ${request.method.toUpperCase()} ${request.url} (timeouts: connect ${connectTimeoutMs} ms, read ${readTimeoutMs} ms)`,
    );
    const result = await send(
      decision.ok,
      { ...request, connectTimeoutMs, readTimeoutMs },
      { ...limits, signal: this.abort.signal },
    );
    const ms = Math.round(performance.now() - started);
    const what = result.ok ? `HTTP ${result.ok.status}` : `${result.err.tag}${result.err.val === undefined ? '' : ` (${result.err.val})`}`;
    this.log('debug', `${request.label}: ${what} in ${ms} ms`);
    return result;
  }

  getEnv(name) {
    if (!this.policy.envAllowed(name)) {
      this.log('debug', `environment variable ${name} is hidden from the component (allow it with allowEnv / --allow-env ${name})`);
      return { ok: undefined };
    }
    return { ok: ownString(this.env, name) };
  }

  setOutput(name, value, secret) {
    const limits = this.limits;
    if (name === '' || name.length > 256 || /[\s\p{Cc};\]]/u.test(name)) {
      return {
        err: {
          tag: 'invalid-name',
          val: `"${this.secrets.mask(name)}" is not a valid variable name: use letters, digits, '_', '.' or '-'`,
        },
      };
    }
    if (this.outputs.length >= limits.maxOutputs && !this.outputs.some((o) => o.name === name)) {
      this.stoppedBy = `more than ${limits.maxOutputs} output variables`;
      return { err: { tag: 'limit-exceeded', val: this.stoppedBy } };
    }
    const size = Buffer.byteLength(value);
    if (size > limits.maxOutputBytes) {
      this.stoppedBy = `output variable ${name} is ${size} bytes, more than the ${limits.maxOutputBytes}-byte limit`;
      return { err: { tag: 'limit-exceeded', val: this.stoppedBy } };
    }
    const total = this.outputs
      .filter((o) => o.name !== name)
      .reduce((sum, o) => sum + Buffer.byteLength(o.value), size);
    if (total > limits.maxOutputTotalBytes) {
      this.stoppedBy = `output variables of more than ${limits.maxOutputTotalBytes} bytes in all (limits.maxOutputTotalBytes)`;
      return { err: { tag: 'limit-exceeded', val: this.stoppedBy } };
    }
    if (secret) {
      // A secret output is a secret like any other: it counts against the secrets' number.
      const full = this.secretsFull();
      if (full) {
        this.stoppedBy = full;
        return { err: { tag: 'limit-exceeded', val: full } };
      }
      this.secrets.register(value);
    }
    const output = { name, value, secret };
    this.outputs = this.outputs.filter((o) => o.name !== name);
    this.outputs.push(output);
    this.onOutput?.(output);
    return { ok: undefined };
  }

  /** Why one more secret is not allowed, if it is not. */
  secretsFull() {
    return this.secrets.size >= this.limits.maxSecrets ? `more than ${this.limits.maxSecrets} secrets registered` : undefined;
  }

  registerSecret(value) {
    const full = this.secretsFull();
    if (full) throw this.stop(full);
    const size = Buffer.byteLength(value);
    if (size > this.limits.maxSecretBytes) {
      throw this.stop(`a secret of ${size} bytes, more than the ${this.limits.maxSecretBytes}-byte limit (limits.maxSecretBytes)`);
    }
    this.secrets.register(value);
    return { ok: undefined };
  }

  async readFile(path) {
    const decision = this.policy.checkFile(path);
    if (decision.refused) {
      this.log('debug', decision.refused);
      return { err: { tag: 'denied', val: decision.refused } };
    }
    try {
      const info = await stat(decision.ok);
      if (!info.isFile()) return { err: { tag: 'io', val: `${path} is not a regular file` } };
      if (info.size > this.limits.maxFileBytes) return { err: { tag: 'too-large', val: BigInt(this.limits.maxFileBytes) } };
      const bytes = await readFile(decision.ok);
      if (bytes.length > this.limits.maxFileBytes) return { err: { tag: 'too-large', val: BigInt(this.limits.maxFileBytes) } };
      return { ok: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    } catch (error) {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return { err: { tag: 'not-found' } };
      return { err: { tag: 'io', val: `cannot read ${path}: ${error.code ?? error.message}` } };
    }
  }

  countLog(message) {
    this.logBytes += Buffer.byteLength(message);
    if (this.logBytes > this.limits.maxLogBytes) {
      throw this.stop(`more than ${this.limits.maxLogBytes} bytes of log messages`);
    }
  }

  logMessage(level, message) {
    this.countLog(message);
    this.log(LOG_LEVELS.has(level) ? level : 'info', message);
    return { ok: undefined };
  }

}

function ownString(map, name) {
  return Object.hasOwn(map, name) && typeof map[name] === 'string' ? map[name] : undefined;
}

function wallTimeMessage(ms) {
  return `the run exceeded its wall-clock limit of ${ms / 1000} s (raise limits.wallTimeMs)`;
}

// Compiled core modules per component folder: compile once, instantiate per run.
const loaded = new Map();

function loadComponent(base) {
  const key = base.href;
  if (!loaded.has(key)) {
    const promise = (async () => {
      const names = (await readdir(base)).filter((name) => name.endsWith('.wasm'));
      const modules = {};
      for (const name of names) modules[name] = await WebAssembly.compile(await readFile(new URL(name, base)));
      return { componentUrl: new URL(COMPONENT_JS, base).href, modules };
    })();
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return loaded.get(key);
}

function toDirUrl(dir) {
  const url = dir instanceof URL ? new URL(dir.href) : pathToFileURL(resolve(String(dir)));
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** Runs one export of a fresh instance in a worker; resolves to `{ ok }` or `{ err }`. */
async function runInWorker(job, host, componentDir) {
  let component;
  try {
    component = await loadComponent(toDirUrl(componentDir));
  } catch (error) {
    return { err: { tag: 'host', val: `cannot load the component from ${componentDir}: ${error.message}` } };
  }
  const bridge = createBridge();
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { ...component, bridge: bridge.workerData, job },
    transferList: bridge.transferList,
    env: {}, // the component's thread does not even see the process environment
  });
  return new Promise((resolve) => {
    let finished = false;
    const finish = (result) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      host.abort.abort();
      bridge.close();
      worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => {
      host.stoppedBy = wallTimeMessage(host.limits.wallTimeMs);
      finish({ err: { tag: 'sandbox', val: host.stoppedBy } });
    }, Math.max(0, host.deadline - performance.now()));
    bridge.serve(worker, (op, args) => host.handle(op, args));
    worker.on('message', (message) => {
      if (message?.kind === 'done') finish(message.result);
    });
    worker.on('error', (error) => finish({ err: { tag: 'host', val: `the component's thread failed: ${error.message}` } }));
    // A result posted just before the thread ends is delivered first; give it that chance.
    worker.on('exit', (code) =>
      setImmediate(() => finish({ err: { tag: 'host', val: `the component's thread ended (code ${code}) without a result` } })),
    );
  });
}

/**
 * The result of a run, as returned by `runTask`:
 * - `{ ok: Outcome }` — the WIT `outcome` (`payload` is a Uint8Array);
 * - `{ err: TaskError }` — a WIT `task-error` case (`invalid-input`, `credentials-not-found`,
 *   `credentials-invalid`, `region-not-found`, `service-error`, `function-error`,
 *   `transport-error`), as jco maps variants: `{ tag, val }`;
 * - `{ err: { tag: 'sandbox', val } }` — a limit of this host stopped the run (`val` says which);
 * - `{ err: { tag: 'trap', val } }` — the component trapped (a bug in it);
 * - `{ err: { tag: 'host', val } }` — the component could not be loaded or run.
 * Messages of the last three are masked.
 *
 * @typedef {{ ok: object } | { err: { tag: string, val?: any } }} RunResult
 */

/**
 * Runs the task once.
 *
 * @param {object} options
 * @param {object} options.input the WIT `input` record in jco's mapping (camelCase fields, enum
 *   cases as strings, options as value-or-undefined); missing fields take `DEFAULT_INPUT`.
 * @param {Record<string, string>} [options.variables] task variables (`AWS.Region`, ...)
 * @param {Record<string, string>} [options.env] candidate environment variables (e.g.
 *   `process.env`); the component sees only the allowlisted `AWS_*` names (plus `allowEnv`)
 * @param {string[]} [options.allowHosts] extra `HOST[:PORT]` the component may reach
 * @param {boolean} [options.allowEndpoints] also allow the host of `input.endpointUrl` and of
 *   `AWS_ENDPOINT_URL_LAMBDA` / `_STS` / `AWS_ENDPOINT_URL` in `env` (default true: an endpoint
 *   the user chose explicitly is one the task needs)
 * @param {boolean} [options.awsEndpoints] allow the regional Lambda and STS endpoints (default true)
 * @param {string[]} [options.allowEnv] extra environment variables to expose
 * @param {string[]} [options.allowFiles] files `read-file` may return (`~/` is expanded); none by default
 * @param {(level: 'debug'|'info'|'warning'|'error', message: string) => void} [options.onLog]
 *   receives every log message as it happens, secrets masked
 * @param {(output: {name: string, value: string, secret: boolean}) => void} [options.onOutput]
 * @param {Partial<typeof DEFAULT_LIMITS>} [options.limits]
 * @param {string | URL} [options.componentDir] the transpiled component (default `generated/`)
 * @returns {Promise<{ result: RunResult, outputs: {name: string, value: string, secret: boolean}[],
 *   logs: {level: string, message: string}[], secrets: Secrets, httpCalls: number, elapsedMs: number }>}
 */
export async function runTask({
  input,
  variables = {},
  env = {},
  allowHosts = [],
  allowEndpoints = true,
  awsEndpoints = true,
  allowEnv = [],
  allowFiles = [],
  onLog,
  onOutput,
  limits = {},
  componentDir = DEFAULT_COMPONENT_DIR,
  home,
} = {}) {
  const started = performance.now();
  const fullInput = { ...DEFAULT_INPUT, ...input };
  const policy = new Policy({ allowHosts, awsEndpoints, allowEnv, allowFiles, home });
  if (allowEndpoints) {
    const explicit = [fullInput.endpointUrl, ...ENDPOINT_ENV_NAMES.filter((n) => policy.envAllowed(n)).map((n) => ownString(env, n))];
    for (const url of explicit) if (url && url.trim() !== '') policy.allowEndpointUrl(url);
  }
  const host = new TaskHost({ policy, variables, env, limits, onLog, onOutput });
  let result = await runInWorker({ op: 'run', input: fullInput }, host, componentDir);
  if (result.err && ['trap', 'host'].includes(result.err.tag)) {
    result = { err: { tag: result.err.tag, val: host.secrets.mask(result.err.val) } };
  }
  // A limit hit inside an import that the component then reported as its own error is still
  // the sandbox's doing: say so (as the Rust host does).
  if (result.err && host.stoppedBy !== undefined && result.err.tag !== 'sandbox') {
    result = { err: { tag: 'sandbox', val: host.secrets.mask(host.stoppedBy) } };
  }
  return {
    result,
    outputs: host.outputs,
    logs: host.logs,
    secrets: host.secrets,
    httpCalls: host.httpCalls,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/**
 * The component's `describe` export: the task's inputs and the permissions it needs. Needs no
 * import; runs with a policy that allows nothing.
 */
export async function describeTask({ componentDir = DEFAULT_COMPONENT_DIR } = {}) {
  const host = new TaskHost({ policy: Policy.denyAll() });
  const result = await runInWorker({ op: 'describe' }, host, componentDir);
  if (result.err) throw new Error(`describe failed: ${result.err.val}`);
  return result.ok;
}

/** The exit code of the `lambda-invoke` command for a result (see the README's table). */
export function exitCode(result) {
  if (result.ok) return 0;
  switch (result.err.tag) {
    case 'invalid-input':
      return 2;
    case 'credentials-not-found':
    case 'credentials-invalid':
    case 'region-not-found':
      return 3;
    case 'service-error':
      return 4;
    case 'function-error':
      return 5;
    case 'transport-error':
      return ['denied', 'limit-exceeded'].includes(result.err.val.error.tag) ? 7 : 6;
    case 'sandbox':
      return 7;
    default:
      return 1;
  }
}

/** A one-line message for an `http-error` (not masked). */
export function httpErrorMessage(error) {
  switch (error.tag) {
    case 'denied':
      return `refused by the sandbox policy: ${error.val}`;
    case 'invalid-request':
      return `invalid request: ${error.val}`;
    case 'connect-failed':
      return `cannot connect: ${error.val}`;
    case 'connect-timeout':
      return 'no connection within the connect timeout';
    case 'read-timeout':
      return 'no complete answer within the read timeout (the request may have reached the service)';
    case 'connection-lost':
      return `the connection was lost (the request may have reached the service): ${error.val}`;
    case 'protocol':
      return `the answer is not valid HTTP: ${error.val}`;
    case 'too-large':
      return `the answer is larger than the ${error.val}-byte limit`;
    case 'limit-exceeded':
      return `sandbox limit reached: ${error.val}`;
    default:
      return `${error.tag}: ${error.val}`;
  }
}

/** A one-line message for the `err` of a `RunResult` (not masked: mask it before printing). */
export function failureMessage(err) {
  const { tag, val } = err;
  switch (tag) {
    case 'invalid-input':
      return `invalid input ${val.input}: ${val.message}`;
    case 'service-error':
      return `${val.code} (HTTP ${val.status}): ${val.message}${val.requestId ? ` [request id ${val.requestId}]` : ''}`;
    case 'function-error': {
      const id = val.outcome.requestId ? ` [request id ${val.outcome.requestId}]` : '';
      return `the function failed: ${val.errorType}${val.errorMessage ? `: ${val.errorMessage}` : ''}${id}`;
    }
    case 'transport-error':
      return `${val.operation} (${val.url}): ${httpErrorMessage(val.error)}`;
    case 'sandbox':
      return `refused or stopped by the sandbox: ${val}`;
    case 'trap':
      return `the component trapped: ${val}`;
    case 'host':
      return `the host failed: ${val}`;
    default:
      return String(val);
  }
}
