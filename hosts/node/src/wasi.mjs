// The WASI 0.2 interfaces of the `invoke-task` world, and nothing else (as in the Rust host): the
// wall clock, the monotonic clock and sleeping on it (`wasi:io/poll`), and insecure random
// numbers for retry jitter. There is no environment, no stdio, no filesystem and no sockets:
// the component does not import them.
//
// jco's `@bytecodealliance/preview2-shim` is not used at run time on purpose: it implements
// WASI with the real process environment, files and stdio, and its settings are process-wide.

// The component's thread may sleep (a retry's back-off): `Atomics.wait` on a private cell that
// nothing notifies is a real, interruptible sleep (the host's wall-clock limit still applies).
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepUntil(deadline) {
  for (;;) {
    const left = deadline - process.hrtime.bigint();
    if (left <= 0n) return;
    Atomics.wait(sleeper, 0, 0, Number(left) / 1e6);
  }
}

/** `wasi:io/poll` pollable: ready at a monotonic-clock `deadline` (nanoseconds). */
class Pollable {
  #deadline;
  constructor(deadline) {
    this.#deadline = deadline;
  }
  get deadline() {
    return this.#deadline;
  }
  ready() {
    return process.hrtime.bigint() >= this.#deadline;
  }
  block() {
    sleepUntil(this.#deadline);
  }
}

/** `wasi:io/poll.poll`: waits until at least one is ready; returns the indices of the ready ones. */
function poll(list) {
  if (list.length === 0) throw new Error('poll on an empty list');
  if (!list.some((p) => p.ready())) sleepUntil(list.reduce((min, p) => (p.deadline < min ? p.deadline : min), list[0].deadline));
  return new Uint32Array(list.flatMap((p, i) => (p.ready() ? [i] : [])));
}

/** The WASI imports of the world, keyed without version (see `importsByName` for versions). */
export function wasiImports() {
  return {
    'wasi:clocks/monotonic-clock': {
      now: () => process.hrtime.bigint(),
      resolution: () => 1n,
      subscribeInstant: (when) => new Pollable(when),
      subscribeDuration: (duration) => new Pollable(process.hrtime.bigint() + duration),
    },
    'wasi:clocks/wall-clock': {
      now() {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:io/poll': { Pollable, poll },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (len) => crypto.getRandomValues(new Uint8Array(Number(len))),
      getInsecureRandomU64: () => crypto.getRandomValues(new BigUint64Array(1))[0],
    },
  };
}

/**
 * An import object that answers `iface@version` with the entry for `iface`: jco's generated
 * code asks for unversioned names, its `.d.ts` names versions; either works.
 */
export function importsByName(imports) {
  return new Proxy(imports, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      return target[key] ?? target[key.replace(/@[^/@]*$/, '')];
    },
  });
}
