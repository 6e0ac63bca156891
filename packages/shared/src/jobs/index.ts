export * from './catalog.js';
export * from './outbound.js';
export { jobForEvent, type RoutedEventNames } from './events.js';
export {
  QueueSet,
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
