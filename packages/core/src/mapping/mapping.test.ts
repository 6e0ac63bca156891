import { describe, expect, it } from 'vitest';
import { createMapper, getPath, mappingDeclarationSchema, type MappingDeclaration } from './index.js';

const invitationMapping: MappingDeclaration = {
  name: 'Firm invitations',
  model: 'CaseInvitation',
  fields: [
    { external: 'invitation_id', lexamica: '_id' },
    { external: 'expires_at', lexamica: 'expires' },
    { external: 'matter.type', lexamica: 'referral.caseType' },
    { external: 'matter.client_first', lexamica: 'referral.client.firstName' },
    { external: 'loss_state', lexamica: 'referral.incident.state' },
    { external: 'docs[].link', lexamica: 'referral.files[].url' },
    { external: 'origin', lexamica: 'referral.originator' },
  ],
};

describe('mapping translation', () => {
  const m = createMapper(invitationMapping);
  const firm = {
    invitation_id: 'inv1',
    expires_at: '2026-11-24T00:00:00.000Z',
    matter: { type: 'Employment', client_first: 'Ada' },
    loss_state: 'CA',
    docs: [{ link: 'https://x/1', size: 3 }, { link: 'https://x/2' }],
    origin: { _id: 'o1', name: 'Smith LLP' },
    status: 'open',
  };
  const lexamica = {
    _id: 'inv1',
    expires: '2026-11-24T00:00:00.000Z',
    referral: {
      caseType: 'Employment',
      client: { firstName: 'Ada' },
      incident: { state: 'CA' },
      files: [{ url: 'https://x/1' }, { url: 'https://x/2' }],
      originator: { _id: 'o1', name: 'Smith LLP' },
    },
    status: 'open',
    docs: [{ size: 3 }],
  };

  it('reads a firm payload back into Lexamica paths, nested and through arrays', () => {
    expect(m.toLexamica(firm)).toEqual(lexamica);
  });

  it('writes Lexamica paths out in the firm names', () => {
    const back = m.toFirm(lexamica);
    expect(back).toEqual({ ...firm, docs: [{ link: 'https://x/1', size: 3 }, { link: 'https://x/2' }] });
  });

  it('round-trips both ways', () => {
    expect(m.toFirm(m.toLexamica(firm))).toEqual(firm);
  });

  it('leaves missing fields out rather than inventing them', () => {
    const out = m.toLexamica({ invitation_id: 'x' });
    expect(out).toEqual({ _id: 'x' });
    expect('expires' in out).toBe(false);
  });

  it('drops unmapped fields when asked', () => {
    expect(m.toLexamica({ invitation_id: 'x', status: 'open', extra: { a: 1 } }, { unmapped: 'drop' })).toEqual({ _id: 'x' });
  });

  it('maps a whole subtree when the rule names an object', () => {
    expect(m.toLexamica({ origin: { _id: 'o2', nested: { deep: true } } })).toEqual({ referral: { originator: { _id: 'o2', nested: { deep: true } } } });
  });

  it('sends a leaf by the longest matching rule, whatever the declaration order, and lets a mapped value win its path', () => {
    const nested = createMapper({
      name: 'overlapping',
      model: 'Case',
      fields: [
        { external: 'addr', lexamica: 'client.address' },
        { external: 'addr.town', lexamica: 'client.city' },
        { external: 'rows[].cells[].v', lexamica: 'grid[].values[]' },
        { external: 'first.0', lexamica: 'firstOnly' },
        { external: 'name', lexamica: 'label' },
      ],
    });
    expect(
      nested.toLexamica({
        addr: { town: 'Austin', zip: '78701', extra: {} },
        rows: [{ cells: [{ v: 1 }, { v: 2 }] }, { cells: [] }],
        first: ['a', 'b'],
        label: 'unmapped, loses to name',
        name: 'mapped',
      }),
    ).toEqual({
      client: { city: 'Austin', address: { zip: '78701', extra: {} } },
      grid: [{ values: [1, 2] }],
      // What a rule took leaves a hole: nothing is invented in its place.
      rows: [undefined, { cells: [] }],
      firstOnly: 'a',
      first: [undefined, 'b'],
      label: 'mapped',
    });
  });

  it('ignores prototype-pollution keys', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "invitation_id": "x"}');
    const out = m.toLexamica(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out).toEqual({ _id: 'x' });
  });

  it('reads dot paths', () => {
    expect(getPath(lexamica, 'referral.client.firstName')).toBe('Ada');
    expect(getPath(lexamica, 'referral.files.1.url')).toBe('https://x/2');
    expect(getPath(lexamica, 'referral.nope.deeper')).toBeUndefined();
    expect(getPath(lexamica, 'referral.toString')).toBeUndefined();
    expect(getPath(lexamica, '__proto__')).toBeUndefined();
    expect(getPath(lexamica, '')).toBe(lexamica);
  });

  it('validates declarations and points at the bad field', () => {
    const bad = mappingDeclarationSchema.safeParse({
      name: 'x',
      model: 'CaseInvitation',
      fields: [{ external: 'a[]', lexamica: 'b' }, { external: 'c', lexamica: 'not a path' }],
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('fields.0');
    expect(paths).toContain('fields.1.lexamica');
  });
});
