// Entry of a store worker thread (see compress-workers.ts): runs StoreCore on the messages it gets.
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { StoreCore, type StoreParams, type ToWorker } from './pool.js';
import { AgcError, AgcErrorCode, serializeError } from '../../errors.js';

// After 'finish' the worker's group stores (references, LZ indexes) are garbage, but V8 would keep
// them until some later allocation pressure, i.e. through the close stage's zstd jobs, which is the
// peak of create. A collection right there lowers the peak RSS by 30-35 MiB per worker. gc exists
// only when the process allows it (`node --expose-gc`, or the agc-node CLI, which sets the flag once
// at start-up): V8 flags are process-wide, and changing them while other threads run is unsafe, so
// neither the library nor its workers touch them.
const collect = runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined;

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
    if (m.type === 'finish' && collect) collect();
  } catch (e) {
    if (seq < 0) deferred ??= e;
    else port.postMessage({ type: 'error', seq, error: serializeError(e) });
  }
});
