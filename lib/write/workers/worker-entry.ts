// Entry of a store worker thread (see compress-workers.ts): runs StoreCore on the messages it gets.
import { parentPort, workerData } from 'node:worker_threads';
import { StoreCore, type StoreParams, type ToWorker } from './pool.js';
import { AgcError, AgcErrorCode, serializeError } from '../../errors.js';

const port = parentPort;
if (!port) throw new AgcError(AgcErrorCode.INTERNAL, 'compress-worker must run in a worker thread');
const core = new StoreCore(workerData as StoreParams, (m) => port.postMessage(m));
// A failing message without a reply (raw/adopt) fails the next request instead.
let deferred: unknown = null;

port.on('message', (m: ToWorker) => {
  const seq = 'seq' in m ? m.seq : -1;
  try {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the worker caught, unchanged
    if (deferred && seq >= 0) throw deferred;
    const r = core.handle(m);
    if (r) port.postMessage(r.reply, r.transfer);
  } catch (e) {
    if (seq < 0) deferred ??= e;
    else port.postMessage({ type: 'error', seq, error: serializeError(e) });
  }
});
