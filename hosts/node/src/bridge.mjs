// The synchronous-call bridge between the component's thread and the host's.
//
// The component's imports are synchronous (`http.send` blocks until the whole response is read),
// while Node does I/O asynchronously on its event loop. The component therefore runs in a worker
// thread, and each import call is a round trip to the main thread:
//
//   worker: post {op, args} to the main thread, then `Atomics.wait` on a shared flag
//   main:   run the (async) handler, post the reply on a dedicated MessagePort, set the flag and
//           `Atomics.notify`
//   worker: wake up and take the reply with `receiveMessageOnPort` (synchronous, any size, any
//           structured-cloneable value: Uint8Array bodies, bigint sizes)
//
// This is the pattern Node itself uses for its synchronous module-customisation hooks. The main
// thread never blocks, so an editor (or any embedder) stays responsive while the component waits
// for the network, and a component that never returns can be stopped with `worker.terminate()`.
// Everything here is host-side: the component is the unchanged release `.wasm`.

import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const WAITING = 0;
const REPLIED = 1;

/**
 * Main side: creates the channel; pass `workerData` and `transferList` to the Worker, then call
 * `serve` with it.
 */
export function createBridge() {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1: replyTx, port2: replyRx } = new MessageChannel();
  return {
    workerData: { flag, replyPort: replyRx },
    transferList: [replyRx],
    /**
     * Answers the worker's calls with `handler(op, args)` (may be async). The handler returns
     * `{ ok }`, `{ err }` (a WIT error the component sees) or throws (a trap that ends the run).
     */
    serve(worker, handler) {
      worker.on('message', async (message) => {
        if (!message || message.kind !== 'call') return;
        let reply;
        try {
          reply = await handler(message.op, message.args);
        } catch (error) {
          reply = { trap: error instanceof Error ? error.message : String(error) };
        }
        try {
          replyTx.postMessage(reply);
        } catch (error) {
          replyTx.postMessage({ trap: `the host could not pass its answer to ${message.op}: ${error.message}` });
        }
        Atomics.store(flag, 0, REPLIED);
        Atomics.notify(flag, 0);
      });
    },
    close() {
      replyTx.close();
    },
  };
}

/**
 * Worker side: returns `call(op, args)`, which blocks the worker until the main thread answers
 * and returns its reply (`{ ok }`, `{ err }` or `{ trap }`).
 *
 * @param {import('node:worker_threads').MessagePort} parentPort
 * @param {{ flag: Int32Array, replyPort: import('node:worker_threads').MessagePort }} data
 */
export function connectBridge(parentPort, { flag, replyPort }) {
  return function call(op, args) {
    Atomics.store(flag, 0, WAITING);
    parentPort.postMessage({ kind: 'call', op, args });
    while (Atomics.load(flag, 0) === WAITING) Atomics.wait(flag, 0, WAITING);
    const reply = receiveMessageOnPort(replyPort);
    if (reply === undefined) throw new Error(`the host did not answer ${op}`);
    return reply.message;
  };
}
