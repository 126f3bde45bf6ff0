// Per-stage figures of a create/append run (--stats, -v 2). Two kinds of clock:
// - phases (splitters, compress, close) take wall time and the process's CPU time (user + sys of
//   every thread, workers included), so their CPU column adds up to what `time` reports;
// - steps inside a phase are busy time of one thread (main or a worker), measured with the
//   monotonic clock around the work. Node 20 has no per-thread CPU clock, so on an idle machine
//   busy time is CPU time, on a loaded one it also counts time the thread waited for a core.
import { performance } from 'node:perf_hooks';

/** One row of the stage table. */
export interface StageFigure {
  /** 'splitters', 'compress', 'close', or a step such as 'compress/main: segmentation'. */
  stage: string;
  wallMs: number;
  /** Process CPU (user + sys, all threads) for phases; thread busy time for steps. */
  cpuMs: number;
  /**
   * Phases: the process's peak resident set size when the phase ended (bytes). It is a high-water
   * mark, so the phase where it rises is the one that set it.
   */
  peakRssBytes?: number;
}

/** Figures returned in the archive summary. */
export interface WriteStats {
  stages: StageFigure[];
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
  /** Wall and process CPU of the whole run. */
  wallMs: number;
  cpuMs: number;
}

/** Busy-time accumulators of one thread, by step name. */
export class StepTimes {
  readonly ms = new Map<string, number>();
  add(step: string, ms: number): void {
    this.ms.set(step, (this.ms.get(step) ?? 0) + ms);
  }
  /** The accumulated figures as a plain object (for a worker reply), then reset. */
  take(): Record<string, number> {
    const o = Object.fromEntries(this.ms);
    this.ms.clear();
    return o;
  }
  merge(o: Record<string, number> | undefined): void {
    if (o) for (const [k, v] of Object.entries(o)) this.add(k, v);
  }
}

export const now = (): number => performance.now();

/**
 * Step times of the current thread (each worker has its own copy of this module). Concurrent runs
 * in one process share the main thread's figures.
 */
export const threadSteps = new StepTimes();

const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Collects phase clocks and the main thread's and workers' step times. */
export class StageClock {
  private readonly phases: StageFigure[] = [];
  private current: { stage: string; wall: number; cpu: number } | null = null;
  private readonly start = { wall: now(), cpu: cpuNow() };

  constructor() {
    threadSteps.ms.clear();
  }
  /** Steps of the main thread, per phase. */
  readonly main = threadSteps;
  /** Steps of the workers (summed over workers), per phase: the pool's figures once there is one. */
  workers = new StepTimes();
  private readonly steps: StageFigure[] = [];

  /** End the current phase (if any) and start `stage`. */
  phase(stage: string | null): void {
    const w = now();
    const c = cpuNow();
    if (this.current) {
      const cur = this.current;
      this.phases.push({ stage: cur.stage, wallMs: w - cur.wall, cpuMs: c - cur.cpu, peakRssBytes: peakRss() });
      for (const [k, v] of this.main.ms) this.steps.push({ stage: `${cur.stage}/main: ${k}`, wallMs: v, cpuMs: v });
      for (const [k, v] of this.workers.ms) this.steps.push({ stage: `${cur.stage}/workers: ${k}`, wallMs: v, cpuMs: v });
      this.main.ms.clear();
      this.workers.ms.clear();
    }
    this.current = stage === null ? null : { stage, wall: w, cpu: c };
  }

  /** Close the last phase and return the figures. */
  finish(): WriteStats {
    this.phase(null);
    const stages: StageFigure[] = [];
    for (const p of this.phases) {
      stages.push(p);
      for (const s of this.steps) if (s.stage.startsWith(`${p.stage}/`)) stages.push(s);
    }
    return {
      stages,
      peakRssBytes: peakRss(),
      wallMs: now() - this.start.wall,
      cpuMs: cpuNow() - this.start.cpu,
    };
  }
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The stage table as text (one line per stage). */
export function formatStats(s: WriteStats): string {
  const rows = s.stages.map((x) => {
    const step = x.stage.includes('/');
    const name = step ? `  ${x.stage.slice(x.stage.indexOf('/') + 1)}` : x.stage;
    const cpu = step ? `${(x.cpuMs / 1000).toFixed(2)} s busy` : `${(x.cpuMs / 1000).toFixed(2)} s CPU`;
    const rss = x.peakRssBytes === undefined ? '' : `${''.padEnd(14 - cpu.length)}${mib(x.peakRssBytes)}`;
    return `${name.padEnd(34)} ${step ? '' : `${(x.wallMs / 1000).toFixed(2)} s wall`.padEnd(14)}${step ? ''.padEnd(14) : ''}${cpu}${rss}`;
  });
  return (
    `Stage                              Wall          CPU           Peak RSS (phases: process, high-water mark at the end; steps: thread busy time)\n` +
    rows.join('\n') +
    `\ntotal                              ${`${(s.wallMs / 1000).toFixed(2)} s wall`.padEnd(14)}${(s.cpuMs / 1000).toFixed(2)} s CPU\n` +
    `peak RSS                           ${mib(s.peakRssBytes)}\n`
  );
}
