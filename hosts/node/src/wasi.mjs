// The WASI 0.2 interfaces a Rust `wasm32-wasip2` std guest imports, implemented as a sandbox:
// clocks (and sleeping on them) and random numbers work; there is no environment, no arguments,
// no stdin, no filesystem and no sockets (the component does not even import those). Whatever
// the guest writes to stdout or stderr (a panic message, say) goes to the host's log, where
// secrets are masked.
//
// jco's `@bytecodealliance/preview2-shim` is not used at run time on purpose: it implements
// WASI with the real process environment, files and stdio, and its settings are process-wide.

/** An error resource (`wasi:io/error`); the guest only ever drops it. */
class IoError {
  #message;
  constructor(message) {
    this.#message = message;
  }
  toDebugString() {
    return this.#message;
  }
}

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

/**
 * `wasi:io/poll` pollable: ready at a monotonic-clock `deadline` (nanoseconds), or at once when
 * there is none (the output streams here never make the guest wait).
 */
class Pollable {
  #deadline;
  constructor(deadline) {
    this.#deadline = deadline;
  }
  get deadline() {
    return this.#deadline ?? 0n;
  }
  ready() {
    return this.#deadline === undefined || process.hrtime.bigint() >= this.#deadline;
  }
  block() {
    if (this.#deadline !== undefined) sleepUntil(this.#deadline);
  }
}

/** `wasi:io/poll.poll`: waits until at least one is ready; returns the indices of the ready ones. */
function poll(list) {
  if (list.length === 0) throw new Error('poll on an empty list');
  if (!list.some((p) => p.ready())) sleepUntil(list.reduce((min, p) => (p.deadline < min ? p.deadline : min), list[0].deadline));
  return new Uint32Array(list.flatMap((p, i) => (p.ready() ? [i] : [])));
}

/** `wasi:io/streams` input stream: stdin is empty (its methods are not even imported). */
class InputStream {}

/** `wasi:io/streams` output stream that hands complete lines to `sink(line)`. */
class OutputStream {
  #sink;
  #pending = '';
  #decoder = new TextDecoder();
  constructor(sink) {
    this.#sink = sink;
  }
  checkWrite() {
    return 1n << 16n;
  }
  write(contents) {
    this.#pending += this.#decoder.decode(contents, { stream: true });
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop();
    for (const line of lines) this.#sink(line);
  }
  blockingWriteAndFlush(contents) {
    this.write(contents);
    this.blockingFlush();
  }
  flush() {
    this.blockingFlush();
  }
  blockingFlush() {
    if (this.#pending !== '') this.#sink(this.#pending);
    this.#pending = '';
  }
  subscribe() {
    return new Pollable();
  }
}

/** No terminal is attached: the `terminal-*` getters return none. */
class TerminalInput {}
class TerminalOutput {}

/**
 * The WASI imports, keyed without version (`wasi:cli/stdout`); see `importsByName` for versions.
 *
 * @param {(stream: 'stdout' | 'stderr', line: string) => void} onOutput
 */
export function wasiImports(onOutput) {
  const stdout = new OutputStream((line) => onOutput('stdout', line));
  const stderr = new OutputStream((line) => onOutput('stderr', line));
  return {
    'wasi:cli/environment': {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit(status) {
        throw new Error(`the component called exit (${status?.tag ?? 'ok'})`);
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream() },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
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
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    // Random numbers are a capability the sandbox grants, as the Rust host does. The filesystem
    // exists only without preopens (the current build does not import it): a build that links
    // it sees no directory at all.
    'wasi:random/random': {
      getRandomBytes: (len) => crypto.getRandomValues(new Uint8Array(Number(len))),
      getRandomU64: () => crypto.getRandomValues(new BigUint64Array(1))[0],
    },
    'wasi:random/insecure-seed': {
      insecureSeed: () => [...crypto.getRandomValues(new BigUint64Array(2))],
    },
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:filesystem/types': {
      Descriptor: class Descriptor {},
      DirectoryEntryStream: class DirectoryEntryStream {},
      filesystemErrorCode: () => undefined,
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
