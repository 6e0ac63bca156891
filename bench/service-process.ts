/**
 * A Lexbridge service (or the sandbox) as a child process, so its memory is its own and several
 * processors can run at once: either compiled (`node <bundle>.mjs`, see build-services.ts, as production
 * runs) or from source (`node scripts/run-ts.mjs <main.ts>`, as `npm run dev` does). `run-ts.mjs`
 * is a thin wrapper that spawns the real Node process; memory is read from that one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@lexbridge/testkit';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../scripts/run-ts.mjs', import.meta.url));

/** How a service is started: a compiled file under plain node, or a TypeScript entry under tsx. */
export type Launch = { compiled: string } | { source: string };

/** Options of {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** A label for messages and the report, e.g. `processor-2`. */
  name: string;
  /** The compiled file, or the TypeScript entry relative to the repository root (`apps/poller/src/main.ts`). */
  launch: Launch;
  /** Environment added to the bench's own (values here win). */
  env: Record<string, string>;
  /** Called with every stdout line (pino writes one JSON object per line). Default: dropped. */
  onLine?: (line: string) => void;
  /** Node flags for a compiled launch, e.g. `--cpu-prof`. Default none. */
  nodeArgs?: string[];
}

/** A running service. */
export interface ServiceProcess {
  readonly name: string;
  /** The real Node process (the child of the `run-ts.mjs` wrapper), once known. */
  pid(): number | undefined;
  /** Peak resident memory so far (`VmHWM`), in MB; undefined when the process is gone. */
  peakRssMb(): number | undefined;
  /** CPU time used so far (user + system), in seconds; undefined when the process is gone. */
  cpuSeconds(): number | undefined;
  /** Resolves when `url` answers 2xx, i.e. the service is up (rejects after `timeoutMs`, default 30 s). */
  waitReady(url: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves when the wrapper has exited. */
  stop(graceMs?: number): Promise<void>;
}

function readStatusKb(pid: number, field: 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

// /proc/<pid>/stat counts in clock ticks; Linux reports 100 per second to user space.
const TICKS_PER_SECOND = 100;

function readCpuSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function childPid(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the service with `env`; stderr is passed through, stdout goes to `onLine`. */
export function startServiceProcess(opts: ServiceProcessOptions): ServiceProcess {
  const viaWrapper = 'source' in opts.launch;
  const args = 'source' in opts.launch ? [RUN_TS, opts.launch.source] : [...(opts.nodeArgs ?? []), opts.launch.compiled];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let realPid: number | undefined;
  let lastPeakKb: number | undefined;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => opts.onLine?.(line));

  const pid = () => {
    if (realPid === undefined && child.pid !== undefined) realPid = viaWrapper ? childPid(child.pid) : child.pid;
    return realPid;
  };

  const peakRssMb = () => {
    const p = pid();
    const kb = p === undefined ? undefined : readStatusKb(p, 'VmHWM');
    if (kb !== undefined) lastPeakKb = kb;
    return lastPeakKb === undefined ? undefined : lastPeakKb / 1024;
  };

  return {
    name: opts.name,
    pid,
    peakRssMb,
    cpuSeconds() {
      const p = pid();
      return p === undefined ? undefined : readCpuSeconds(p);
    },
    async waitReady(url, timeoutMs = 30_000) {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`${opts.name} exited with code ${child.exitCode} before it was ready`);
          const res = await fetch(url).catch(() => undefined);
          return res?.ok === true;
        },
        { timeoutMs, intervalMs: 20, message: `${opts.name} ready at ${url}` },
      );
      pid();
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Read the peak before the process goes: /proc forgets it at exit.
      peakRssMb();
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        const p = pid();
        if (p !== undefined) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Reads each process's peak RSS (MB, one decimal), then stops them all in parallel. */
export async function stopAndMeasure(processes: readonly ServiceProcess[]): Promise<Record<string, number>> {
  const rss: Record<string, number> = {};
  for (const p of processes) rss[p.name] = Math.round((p.peakRssMb() ?? 0) * 10) / 10;
  await Promise.all(processes.map((p) => p.stop()));
  return rss;
}
