/** The processor's public surface, for end-to-end tests, the demo and benchmarks that run it in-process. */
export { createProcessorService, type ProcessorService, type ProcessorServiceOptions } from './service.js';
export type { ProcessorContext, ProcessorHooks } from './context.js';
export {
  processorFirmConfigSchema,
  loadProcessorFirmConfig,
  rulesOf,
  PROCESSOR_QUEUES,
  DEFAULT_QUEUE_SETTINGS,
  DEFAULT_STATUS_SYNC,
  type ProcessorFirmConfig,
  type ProcessorQueue,
  type QueueSettings,
  type StatusSyncSettings,
} from './firm-config.js';
export { createProcessorMetrics, type ProcessorMetrics, type ActionOutcome } from './metrics.js';
export { CmsWebhookError, type CmsWebhookOptions } from './cms-webhook.js';
export { UPDATE_DUE_SCHEDULER_ID, WATCHDOG_SCHEDULER_ID } from './maintenance-schedule.js';
