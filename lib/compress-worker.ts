// Entry of a store worker thread (see compress-workers.ts): runs StoreCore on the messages it gets.
import { parentPort, workerData } from 'node:worker_threads';
import { StoreCore, type StoreParams, type ToWorker } from './compress-workers.js';

const port = parentPort;
if (!port) throw new Error('compress-worker must run in a worker thread');
const core = new StoreCore(workerData as StoreParams);
// A failing message without a reply (raw/adopt) fails the next request instead.
let deferred: Error | null = null;

port.on('message', (m: ToWorker) => {
  const seq = 'seq' in m ? m.seq : -1;
  try {
    if (deferred && seq >= 0) throw deferred;
    const r = core.handle(m);
    if (r) port.postMessage(r.reply, r.transfer);
  } catch (e) {
    const err = e as Error;
    if (seq < 0) deferred ??= err;
    else port.postMessage({ type: 'error', seq, message: err.message, stack: err.stack });
  }
});
