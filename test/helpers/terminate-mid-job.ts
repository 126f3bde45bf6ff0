// Worker threads ended while a native job of theirs runs: each round starts a worker that runs
// `body` with the TypeScript loader registered and `parentPort` in scope (the body posts 'open'
// once set up, then loops on the job under test), and terminates it a little later each round.
import { Worker } from 'node:worker_threads';

export async function terminateMidJob(body: string, rounds: number, stepMs: number): Promise<void> {
  const loader = new URL('./ts-worker-loader.mjs', import.meta.url).href;
  for (let i = 0; i < rounds; i++) {
    const code = `
      import('node:module').then(async (m) => {
        m.register(${JSON.stringify(loader)});
        const { parentPort } = require('node:worker_threads');
        ${body}
      });`;
    const w = new Worker(code, { eval: true });
    const opened = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    if (opened !== 'open') throw new Error(`worker said ${String(opened)} instead of open`);
    await new Promise((r) => setTimeout(r, i * stepMs));
    await w.terminate();
  }
}
