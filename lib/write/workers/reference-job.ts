// The reference of `append -a` decoded in a worker thread while the first batches are read: the
// main thread, the critical path at -t 2 and more, then only waits for it at the first batch end
// that mines new splitters (if it is not there yet).
import { Worker } from 'node:worker_threads';
import { AgcError, AgcErrorCode, deserializeError, type SerializedError } from '../../errors.js';
import { workerSpec } from './pool.js';

/** A decode under way: its contigs, and a way to stop the worker early (idempotent). */
export interface ReferenceJob {
  contigs: Promise<Uint8Array[]>;
  stop(): void;
}

/** Start decoding the first sample of `inputPath` in a worker thread, or null when no worker can run here. */
export function startReferenceJob(inputPath: string): ReferenceJob | null {
  let spec: { file: URL | string; eval: boolean };
  try {
    spec = workerSpec('reference-worker-bundle.js', 'reference-entry');
  } catch {
    return null; // from sources without a loader: the caller decodes on its own thread
  }
  const worker = new Worker(spec.file, { eval: spec.eval, workerData: { path: inputPath } });
  worker.unref(); // an abandoned decode must not keep the process alive
  const contigs = new Promise<Uint8Array[]>((resolve, reject) => {
    worker.once('message', (m: { contigs?: Uint8Array[]; error?: SerializedError }) => {
      if (m.error) reject(deserializeError(m.error));
      else resolve(m.contigs ?? []);
    });
    worker.once('error', reject);
    // After a message this changes nothing; without one the worker died.
    worker.once('exit', (code) => reject(new AgcError(AgcErrorCode.INTERNAL, `reference worker exited unexpectedly (code ${code})`)));
  });
  contigs.catch(() => undefined); // awaited by the miner, or never when nothing is mined
  return { contigs, stop: () => void worker.terminate() };
}
