import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { announcePersonalData, FirmConfigError, firmConfigSchema, loadFirmConfig, parseFirmConfig, personalDataPolicy, personalFieldNames } from './index.js';

const example = fileURLToPath(new URL('../../../../lexbridge.example.yaml', import.meta.url));

function problems(text: string): string[] {
  try {
    parseFirmConfig(text, 'x.yaml', firmConfigSchema);
  } catch (e) {
    if (e instanceof FirmConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('firm configuration', () => {
  it('reads the example configuration shipped with the project', () => {
    const cfg = loadFirmConfig(example, firmConfigSchema);
    expect(cfg.mappings.invitation.model).toBe('CaseInvitation');
    expect(cfg.subscriptions.length).toBeGreaterThan(3);
  });

  it('points at the YAML path of each mistake', () => {
    const yaml = readFileSync(example, 'utf8');
    expect(problems(yaml.replace('model: CaseUpdate', 'model: Case'))).toContain('mappings.caseUpdate.model: must be "CaseUpdate" for the caseUpdate mapping');
    expect(problems(yaml.replace('mapping: caseUpdate', 'mapping: nope'))[0]).toMatch(/^subscriptions\.7\.mapping: Invalid option/);
    expect(problems(yaml.replace('mapping: case }', 'mapping: attachment }'))).toContain('subscriptions.8.mapping: mapping "attachment" is not declared under mappings');
    expect(problems(yaml.replace('external: headline', 'external: "not valid"'))[0]).toMatch(/^mappings\.caseUpdate\.fields\.2\.external: must be a dot path/);
  });

  it('says which line is not YAML', () => {
    expect(problems('mappings:\n  a: [unclosed\n')[0]).toMatch(/^line \d+/);
  });

  it('says when the file cannot be read and which variable sets it', () => {
    expect(() => loadFirmConfig('/nonexistent/lexbridge.yaml', firmConfigSchema)).toThrow(/LEXBRIDGE_CONFIG/);
  });

  it("lists the firm's own names for client fields, for redaction", () => {
    const cfg = loadFirmConfig(example, firmConfigSchema);
    expect(personalFieldNames(cfg)).toEqual(expect.arrayContaining(['first_name', 'last_name', 'email', 'phone']));
    expect(personalFieldNames({ mappings: { invitation: { name: 'x', model: 'CaseInvitation', fields: [{ external: 'claimant_nm', lexamica: 'referral.client.lastName' }, { external: 'kind', lexamica: 'referral.caseType' }] }, caseUpdate: { name: 'y', model: 'CaseUpdate', fields: [] } } })).toEqual(['claimant_nm']);
  });
});

describe('the privacy section and the personal-data policy', () => {
  const mappings = {
    invitation: {
      name: 'i',
      model: 'CaseInvitation' as const,
      fields: [
        { external: 'client.first_name', lexamica: 'referral.client.firstName' },
        { external: 'contacts[].phone', lexamica: 'referral.client.phones[]' },
        { external: 'case_type', lexamica: 'referral.caseType' },
      ],
    },
  };
  const payload = { case_type: 'pi', client: { first_name: 'Ada', id: 'c1' }, contacts: [{ phone: '555', kind: 'home' }] };

  it('removes the personal fields by default and names them', () => {
    const policy = personalDataPolicy({ mappings });
    expect(policy.paths).toEqual(['client.first_name', 'contacts[].phone']);
    expect(policy.strip(payload)).toEqual({ case_type: 'pi', client: { id: 'c1' }, contacts: [{ kind: 'home' }] });
    expect(payload.client.first_name).toBe('Ada');
    expect(policy.describe()).toMatch(/removed from job data and CMS feed items.*privacy\.copyPersonalData/);
  });

  it('keeps them when privacy.copyPersonalData is true, and rejects unknown keys', () => {
    const YAML_BASE = readFileSync(example, 'utf8').replace(/^privacy:[\s\S]*?(?=^\S|$(?![\s\S]))/m, '');
    const base = parseFirmConfig(YAML_BASE, 'f.yaml', firmConfigSchema);
    expect(base.privacy).toEqual({ copyPersonalData: false });
    const on = parseFirmConfig(`${YAML_BASE}\nprivacy:\n  copyPersonalData: true\n`, 'f.yaml', firmConfigSchema);
    expect(personalDataPolicy({ mappings, privacy: on.privacy }).strip(payload)).toBe(payload);
    expect(() => parseFirmConfig(`${YAML_BASE}\nprivacy:\n  copy: true\n`, 'f.yaml', firmConfigSchema)).toThrow(/privacy: unknown key; privacy has copyPersonalData/);
  });

  it('keeps them in invitation.sent jobs only when console.clientContact records them with the case facts', () => {
    const policy = personalDataPolicy({ mappings, console: { clientContact: true } });
    expect(policy.keptFor).toEqual(['invitation.sent']);
    expect(policy.strip(payload, 'invitation.sent')).toBe(payload);
    expect(policy.strip(payload, 'invitation.cancelled')).toEqual({ case_type: 'pi', client: { id: 'c1' }, contacts: [{ kind: 'home' }] });
    expect(policy.describe()).toMatch(/except in invitation\.sent jobs/);
  });
  it('is said at each service start, as a warning naming the fields, and handed back for use', () => {
    const warnings: unknown[][] = [];
    const policy = announcePersonalData({ mappings }, { warn: (...args: unknown[]) => warnings.push(args) } as never);
    expect(policy.paths).toEqual(['client.first_name', 'contacts[].phone']);
    expect(warnings).toEqual([[{ personalFields: policy.paths, copyPersonalData: false }, policy.describe()]]);
  });
});
