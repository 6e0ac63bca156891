/**
 * Whether a BullMQ worker can take jobs right now: for readiness, which must say no while a
 * worker's run loop has stopped or one of its two connections (commands, blocking reads) is down.
 */
import type { Worker } from 'bullmq';

/**
 * True when `worker` runs and both its connections are up. Resolves quickly: it waits only on the
 * worker's start (bound it with a timeout, as `runChecks` does).
 */
export async function workerUsable(worker: Worker): Promise<boolean> {
  if (!worker.isRunning() || worker.closing) return false;
  const backend = worker.getBackend();
  const [main, blocking] = await Promise.all([backend.client, backend.blockingClient]);
  return main.status === 'ready' && (blocking === undefined || blocking.status === 'ready');
}
