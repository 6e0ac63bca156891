/**
 * `case-update.made` and `case.event`: Lexamica events the CMS should hear about, passed to the
 * feed as they came (payload in the firm's names), with the stable id `event:<Lexamica event id>`.
 */
import type { Handler } from '@lexbridge/core/jobs';
import { lexamicaEventItem } from '../announce.js';
import type { ProcessorContext } from '../context.js';

/** What this module uses of the processor's context. */
export type InboundEventDeps = Pick<ProcessorContext, 'announcer'>;

export function createInboundEventHandler(ctx: InboundEventDeps): Handler<'case-update.made' | 'case.event'> {
  return async (event) => {
    await ctx.announcer.announce(lexamicaEventItem(event));
    return 'announced';
  };
}
