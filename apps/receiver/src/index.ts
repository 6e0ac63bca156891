/** The receiver's public surface, for end-to-end tests, the chaos suite and benchmarks. */
export { createReceiverService, type ReceiverService, type ReceiverServiceOptions } from './service.js';
export { buildReceiver, type ReceiverDeps, type RejectionReason } from './receiver.js';
