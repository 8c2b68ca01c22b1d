// The component's thread: instantiates the transpiled component with imports that forward every
// call to the host's thread through the synchronous bridge (`bridge.mjs`), runs one export and
// posts what it returned. Holds no policy and no state of its own: the host decides everything.

import { parentPort, workerData } from 'node:worker_threads';

import { connectBridge } from './bridge.mjs';
import { importsByName, wasiImports } from './wasi.mjs';

const { componentUrl, modules, bridge, job } = workerData;
const call = connectBridge(parentPort, bridge);

/** A WIT `result` error: jco's generated code lowers the thrown object's `payload` as `err`. */
class WitError extends Error {
  constructor(payload) {
    super('error result');
    this.payload = payload;
  }
}

/** Calls the host; returns its `ok` value, throws the WIT error, or traps. */
function host(op, ...args) {
  const reply = call(op, args);
  if ('trap' in reply) throw new Error(reply.trap);
  if ('err' in reply) throw new WitError(reply.err);
  return reply.ok;
}

const imports = importsByName({
  ...wasiImports(),
  'lambda-invoke:task/http': {
    send: (request) => host('http.send', request),
  },
  'lambda-invoke:task/environment': {
    getVariable: (name) => host('get-variable', name),
    getEnv: (name) => host('get-env', name),
    setOutput: (name, value, secret) => host('set-output', name, value, secret),
    registerSecret: (value) => host('register-secret', value),
    readFile: (path) => host('read-file', path),
    log: (level, message) => host('log', level, message),
  },
  'lambda-invoke:task/types': {},
});

function post(result) {
  parentPort.postMessage({ kind: 'done', result });
}

let root;
try {
  const { instantiate } = await import(componentUrl);
  root = instantiate((name) => {
    const module = modules[name];
    if (!module) throw new Error(`the transpiled component has no core module ${name}`);
    return module;
  }, imports);
} catch (error) {
  post({ err: { tag: 'host', val: `cannot instantiate the component: ${error.message}` } });
}

if (root) {
  try {
    if (job.op === 'describe') post({ ok: root.describe() });
    else post({ ok: root.run(job.input) });
  } catch (error) {
    if (error && Object.hasOwn(error, 'payload')) post({ err: error.payload });
    else post({ err: { tag: 'trap', val: error instanceof Error ? error.message : String(error) } });
  }
}
