import { afterEach, describe, expect, it } from 'vitest';
import { createLexamicaClient, resolveProfile } from '@lexbridge/lexamica-client';
import type { FirmConfig } from '@lexbridge/core/firm-config';
import { ScriptServer } from '@lexbridge/testkit';
import { applySetup, describePlan, planSetup } from './setup.js';

const firm: FirmConfig = {
  mappings: {
    invitation: { name: 'Invitations', model: 'CaseInvitation', fields: [{ external: 'invitation_id', lexamica: '_id' }] },
    caseUpdate: { name: 'Updates', model: 'CaseUpdate', fields: [{ external: 'headline', lexamica: 'title' }] },
  },
  subscriptions: [{ event: 'Case Invitation Sent', mapping: 'invitation', active: true }],
  privacy: { copyPersonalData: false },
};

let server: ScriptServer | undefined;
afterEach(() => server?.stop());

/** A Lexamica that answers the two lists as given and echoes creates and updates with an id. */
async function lexamica(lists: { mappings: unknown; subscriptions: unknown }, profile = resolveProfile()) {
  server = await new ScriptServer().start();
  let n = 0;
  server.otherwise((req) => {
    if (req.method === 'GET') return { status: 200, body: req.path.endsWith('/mappings') ? lists.mappings : lists.subscriptions };
    const id = req.method === 'POST' ? `new-${++n}` : req.path.split('/').pop();
    return { status: 200, body: { _id: id, ...(JSON.parse(req.body) as object) } };
  });
  return createLexamicaClient({ baseUrl: server.baseUrl, orgId: 'org', publicKey: 'pk-1234567890', privateKey: 'sk-1234567890', profile, retry: { maxRetries: 0 } });
}

describe('set-up against an account that holds things Lexbridge did not create', () => {
  it('plans around a mapping in a foreign shape, and replaces one that carries a declared name', async () => {
    const foreign = { _id: 'ui-1', title: 'Made in the Lexamica UI', model: 'Case', fields: { a: 'b' } };
    const ours = { _id: 'inv-9', name: 'Updates', model: 'CaseUpdate', fields: 'edited by hand' };
    const client = await lexamica({ mappings: { data: [foreign, ours], total: 2 }, subscriptions: { data: [], total: 0 } });

    const plan = await planSetup(client, firm);
    expect(plan.steps.map((s) => `${s.kind}${'id' in s ? ` ${s.id}` : ''}`)).toEqual(['create-mapping', 'update-mapping inv-9', 'create-subscription']);
    expect(plan.unreadable).toHaveLength(2);
    expect(describePlan(plan).filter((l) => l.startsWith('note:'))).toEqual([
      expect.stringContaining('a mapping on Lexamica is in a shape Lexbridge cannot read (data.0.name'),
      expect.stringContaining('a mapping on Lexamica is in a shape Lexbridge cannot read (data.1.fields'),
    ]);
    const ids = await applySetup(client, plan);
    expect(ids).toEqual({ invitation: 'new-1', caseUpdate: 'inv-9' });
  });

  it('reads the mappings and subscriptions lists as bare arrays even where the profile expects an envelope', async () => {
    const client = await lexamica({ mappings: [], subscriptions: [] });
    const plan = await planSetup(client, firm);
    expect(plan.steps.map((s) => s.kind)).toEqual(['create-mapping', 'create-mapping', 'create-subscription']);
  });
});
