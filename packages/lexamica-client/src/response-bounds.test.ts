import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_JSON_CHARS, storedEventJobSchema } from '@lexbridge/core/jobs';
import { defaultProfile } from './profile.js';
import { createResponseSchemas } from './response-schemas.js';

describe('bounds on what Lexamica answers', () => {
  const schemas = createResponseSchemas(defaultProfile);
  const event = { _id: 'e1', event: 'Case Invitation Sent', createdAt: '2026-11-22T10:00:00.000Z', payload: { a: 1 } };
  const page = (items: unknown[]) => ({ data: items, total: items.length });

  it('sets a stored event with an over-long id, event name or mapping id aside, and keeps the rest of the page', () => {
    const long = 'x'.repeat(100_001);
    const parsed = schemas.storedEvents.parse(page([{ ...event, event: long }, { ...event, _id: long }, { ...event, mapping: long }, event]));
    expect(parsed.items.map((e) => e.id)).toEqual(['e1']);
    expect(parsed.rejected).toHaveLength(3);
    for (const r of parsed.rejected) expect(r.reason.length).toBeLessThan(300);
  });

  it('sets aside what the stored-event job would refuse, so the poller enqueues what it reads without parsing it again', () => {
    const huge = { text: 'y'.repeat(MAX_PAYLOAD_JSON_CHARS) };
    const parsed = schemas.storedEvents.parse(page([{ ...event, payload: huge }, { ...event, mapping: '' }, event]));
    expect(parsed.items.map((e) => e.id)).toEqual(['e1']);
    expect(parsed.rejected.map((r) => r.reason)).toEqual([expect.stringMatching(/^data\.0\.payload: must be at most/), expect.stringMatching(/^data\.1\.mappingId: /)]);
    for (const item of parsed.items) expect(storedEventJobSchema.parse(item)).toEqual(item);
  });

  it('refuses an invitation read-back whose status is not a short word', () => {
    expect(schemas.invitation('i1').safeParse({ status: 'x'.repeat(10_000) }).success).toBe(false);
    expect(schemas.invitation('i1').parse({ status: 'open' }).status).toBe('open');
  });
});
