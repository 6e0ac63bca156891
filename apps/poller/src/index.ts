/** The poller's public surface, for the command line, end-to-end tests and benchmarks. */
export { createPollerService, routedEventNames, type PollerService, type PollerServiceOptions } from './service.js';
export { createPoller, type Poller, type PollerTiming } from './poller.js';
export { readRange, type ReadRangeResult, type ReadMode } from './read-range.js';
