export * from './catalog.js';
export * from './outbound.js';
export { jobForEvent, BATCH_JOBS, storedEventsOf, type BatchQueue, type RoutedEventNames } from './events.js';
export {
  QueueSet,
  type QueueSetOptions,
  type QueueStartState,
  enqueue,
  enqueueMany,
  type EnqueueItem,
  createJobProcessor,
  JobPayloadError,
  formatIssues,
  type JobContext,
  type Handler,
  type HandlerMap,
} from './queues.js';
export { workerUsable } from './worker-health.js';
