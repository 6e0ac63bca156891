/**
 * The services under test as real child processes (`node scripts/run-ts.mjs <entry>`), each in a
 * process group of its own so that a SIGKILL takes the wrapper and the service with it: a real
 * crash, not a polite stop. stdout and stderr of every process go to `<logDir>/<name>.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

/** How to start one service. */
export interface ServiceSpec {
  /** Log file name and label (`processor-1`). */
  name: string;
  /** Entry point, relative to the repository root (`apps/processor/src/main.ts`). */
  entry: string;
  args?: string[];
  /** Added over the supervisor's base environment. */
  env?: Record<string, string>;
}

/** A started service that can be crashed and started again with the same spec. */
export interface ManagedService {
  readonly spec: ServiceSpec;
  readonly pid: number | undefined;
  /** True while its process runs. */
  readonly running: boolean;
  /** Sends `signal` to the whole process group and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts the process again (after a kill). */
  start(): void;
}

/** Options of {@link createSupervisor}. */
export interface SupervisorOptions {
  /** Repository root: where `scripts/run-ts.mjs` and the entries are. */
  root: string;
  /** Where each service's log file is written (appended across restarts). */
  logDir: string;
  /** Environment every service gets. */
  env: Record<string, string>;
  /** Told when a service exits without being asked to (its log says why). */
  onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface Supervisor {
  start(spec: ServiceSpec): ManagedService;
  /** Runs a command to completion (e.g. `lexbridge setup`); its output goes to its log file too. */
  run(spec: ServiceSpec, timeoutMs: number): Promise<{ code: number | null }>;
  /** Every log file written so far. */
  logFiles(): string[];
  /** SIGTERM to every running service, SIGKILL to those still running after `graceMs`. */
  stopAll(graceMs: number): Promise<void>;
  /** Synchronous last resort (process `exit` handler): SIGKILL to every process group still running. */
  killAllNow(): void;
}

export function createSupervisor(opts: SupervisorOptions): Supervisor {
  const services: ManagedService[] = [];
  const oneShots = new Set<ChildProcess>();
  const files = new Set<string>();
  // Once the suite stops everything, no exit is unexpected.
  let stopping = false;

  const spawnLogged = (spec: ServiceSpec): ChildProcess => {
    const file = join(opts.logDir, `${spec.name}.log`);
    files.add(file);
    appendFileSync(file, `\n--- chaos: starting ${spec.name} at ${new Date().toISOString()}\n`);
    const fd = openSync(file, 'a');
    try {
      return spawn(process.execPath, [join(opts.root, 'scripts', 'run-ts.mjs'), join(opts.root, spec.entry), ...(spec.args ?? [])], {
        cwd: opts.root,
        env: { ...opts.env, ...spec.env },
        stdio: ['ignore', fd, fd],
        // Its own process group: the group is what a crash kills (the wrapper and the service).
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
  };

  const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    start(spec) {
      let child: ChildProcess | undefined;
      let expectExit = false;
      const service: ManagedService = {
        spec,
        get pid() {
          return child?.pid;
        },
        get running() {
          return child !== undefined && child.exitCode === null && child.signalCode === null;
        },
        async kill(signal) {
          if (!child) return;
          expectExit = true;
          const c = child;
          killGroup(c, signal);
          await exited(c);
        },
        start() {
          expectExit = false;
          const c = spawnLogged(spec);
          child = c;
          c.once('exit', (code, signal) => {
            if (!expectExit && !stopping) opts.onUnexpectedExit?.(spec.name, code, signal);
          });
        },
      };
      service.start();
      services.push(service);
      return service;
    },

    async run(spec, timeoutMs) {
      const child = spawnLogged(spec);
      oneShots.add(child);
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(timer);
      oneShots.delete(child);
      return { code };
    },

    logFiles: () => [...files],

    async stopAll(graceMs) {
      stopping = true;
      const running = services.filter((s) => s.running);
      const timer = setTimeout(() => {
        for (const s of running) void s.kill('SIGKILL');
      }, graceMs);
      await Promise.all(running.map((s) => s.kill('SIGTERM')));
      clearTimeout(timer);
    },

    killAllNow() {
      stopping = true;
      for (const s of services) {
        if (s.running && s.pid !== undefined) {
          try {
            process.kill(-s.pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }
      for (const c of oneShots) killGroup(c, 'SIGKILL');
    },
  };
}
