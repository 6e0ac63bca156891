/** The processor's handler map per queue: every job on these queues has a handler, or this does not compile. */
import type { HandlerMap } from '@lexbridge/shared/jobs';
import type { ProcessorContext } from './context.js';
import type { ProcessorQueue } from './firm-config.js';
import { createCmsDeliverHandler } from './handlers/cms-deliver.js';
import { createExpiryGuardHandler } from './handlers/expiry-guard.js';
import { createInboundEventHandler } from './handlers/inbound-event.js';
import { createInvitationActHandler } from './handlers/invitation-act.js';
import { createInvitationLifecycleHandler } from './handlers/invitation-lifecycle.js';
import { createInvitationSentHandler } from './handlers/invitation-sent.js';
import { createOutboundSendHandler } from './handlers/outbound-send.js';
import { createUpdateDueCheckHandler } from './handlers/update-due-check.js';

export type ProcessorHandlers = { [Q in ProcessorQueue]: HandlerMap<Q> };

export function createHandlers(ctx: ProcessorContext): ProcessorHandlers {
  const inbound = createInboundEventHandler(ctx);
  return {
    invitations: { 'invitation.sent': createInvitationSentHandler(ctx), 'invitation.lifecycle': createInvitationLifecycleHandler(ctx) },
    'invitation-actions': { 'invitation.act': createInvitationActHandler(ctx) },
    'expiry-guard': { 'invitation.expiry-guard': createExpiryGuardHandler(ctx) },
    inbound: { 'case-update.made': inbound, 'case.event': inbound },
    outbound: { 'outbound.send': createOutboundSendHandler(ctx) },
    'cms-webhook': { 'cms.deliver': createCmsDeliverHandler(ctx) },
    maintenance: { 'case.update-due-check': createUpdateDueCheckHandler(ctx) },
  };
}
