import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FirmConfigError, firmConfigSchema, loadFirmConfig, parseFirmConfig, personalFieldNames } from './index.js';

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
