/** The processor's handler map per queue: every job on these queues has a handler, or this does not compile. */
import type { BatchQueue, HandlerMap } from '@lexbridge/core/jobs';
import { eventsGapItem } from './announce.js';
import type { ProcessorContext } from './context.js';
import type { ProcessorQueue } from './firm-config.js';
import { createCmsDeliverHandler } from './handlers/cms-deliver.js';
import { createExpiryGuardHandler } from './handlers/expiry-guard.js';
import { createInboundEventHandler } from './handlers/inbound-event.js';
import { createInvitationActHandler } from './handlers/invitation-act.js';
import { createInvitationLifecycleHandler } from './handlers/invitation-lifecycle.js';
import { createInvitationSentHandler } from './handlers/invitation-sent.js';
import { createOutboundSendHandler } from './handlers/outbound-send.js';
import { createBatchLimits, createStoredEventBatchHandler } from './handlers/stored-event-batch.js';
import { createUpdateDueCheckHandler } from './handlers/update-due-check.js';
import { createWatchdogHandler } from './handlers/watchdog.js';

export type ProcessorHandlers = { [Q in ProcessorQueue]: HandlerMap<Q> };

/**
 * `batchConcurrency`: per stored-event queue, how many events of its batch jobs run at once in this
 * process (the queue's concurrency).
 */
export function createHandlers(ctx: ProcessorContext, batchConcurrency: Record<BatchQueue, number>): ProcessorHandlers {
  const limits = createBatchLimits(batchConcurrency);
  const inbound = createInboundEventHandler(ctx);
  const invitations = { 'invitation.sent': createInvitationSentHandler(ctx), 'invitation.lifecycle': createInvitationLifecycleHandler(ctx) };
  const inboundEvents = { 'case-update.made': inbound, 'case.event': inbound };
  return {
    invitations: { ...invitations, 'invitations.batch': createStoredEventBatchHandler(ctx, 'invitations', invitations, limits.invitations) },
    'invitation-actions': { 'invitation.act': createInvitationActHandler(ctx) },
    'expiry-guard': { 'invitation.expiry-guard': createExpiryGuardHandler(ctx) },
    inbound: { ...inboundEvents, 'inbound.batch': createStoredEventBatchHandler(ctx, 'inbound', inboundEvents, limits.inbound) },
    outbound: { 'outbound.send': createOutboundSendHandler(ctx) },
    'cms-webhook': { 'cms.deliver': createCmsDeliverHandler(ctx) },
    maintenance: {
      'case.update-due-check': createUpdateDueCheckHandler(ctx),
      'invitation.watchdog': createWatchdogHandler(ctx),
      // The poller found stored events it may never read: the CMS hears of it like of everything else.
      'events.gap': async (gap) => ctx.announcer.announce(eventsGapItem(gap)),
    },
  };
}
