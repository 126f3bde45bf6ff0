// Entry of the reference worker (see reference-job.ts): decodes the first sample of the archive
// named in workerData and posts its contigs (their buffers transferred), or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { referenceContigs } from '../reference-sample.js';
import { AgcError, AgcErrorCode, serializeError } from '../../errors.js';

const port = parentPort;
if (!port) throw new AgcError(AgcErrorCode.INTERNAL, 'reference-entry must run in a worker thread');
try {
  const contigs = referenceContigs((workerData as { path: string }).path);
  port.postMessage(
    { contigs },
    contigs.map((c) => c.buffer as ArrayBuffer),
  );
} catch (e) {
  port.postMessage({ error: serializeError(e) });
}
