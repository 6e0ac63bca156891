import { describe, expect, it } from 'vitest';
import { FirmConfigError } from '@lexbridge/core/firm-config';
import { testFirmConfig } from '../test/firm.js';
import { DEFAULT_QUEUE_SETTINGS, DEFAULT_STATUS_SYNC, rulesOf } from './firm-config.js';

describe('processor firm configuration', () => {
  it('reads the rules sections and fills queue defaults', () => {
    const cfg = testFirmConfig();
    expect(cfg.queues).toEqual(DEFAULT_QUEUE_SETTINGS);
    const rules = rulesOf(cfg);
    expect(rules.shadow).toBe(false);
    expect(rules.rules.map((r) => r.name)).toEqual(['decline-outside-west', 'accept-mva', 'evaluate-medmal']);
    expect(rules.expiryGuard.manual).toEqual({ beforeMs: 3_600_000, do: 'alert' });
  });

  it('takes per-queue concurrency and a limiter', () => {
    const cfg = testFirmConfig('queues:\n  invitation-actions: { concurrency: 2, limiter: { max: 10, durationMs: 1000 } }\nshadow: true');
    expect(cfg.queues['invitation-actions']).toEqual({ concurrency: 2, limiter: { max: 10, durationMs: 1000 } });
    expect(cfg.queues.invitations).toEqual(DEFAULT_QUEUE_SETTINGS.invitations);
    expect(cfg.shadow).toBe(true);
  });

  it('reads the 90-day rule settings, with defaults of 80 and 90 days checked hourly', () => {
    expect(testFirmConfig().statusSync).toEqual({ warnAfterDays: 80, limitDays: 90, checkEveryMinutes: 60 });
    expect(DEFAULT_STATUS_SYNC).toEqual(testFirmConfig().statusSync);
    expect(testFirmConfig('statusSync: { warnAfterDays: 60 }').statusSync).toEqual({ warnAfterDays: 60, limitDays: 90, checkEveryMinutes: 60 });
  });

  it('names the YAML path of a wrong queue setting or rule', () => {
    const problems = (extra: string, rules?: string) => {
      try {
        testFirmConfig(extra, rules);
      } catch (err) {
        expect(err).toBeInstanceOf(FirmConfigError);
        return (err as FirmConfigError).problems.map((p) => p.path);
      }
      return [];
    };
    expect(problems('queues:\n  invitation-actions: { concurrency: 0 }')).toEqual(['queues.invitation-actions.concurrency']);
    expect(problems('queues:\n  outbox: { concurrency: 1 }')).toEqual(['queues']);
    expect(problems('statusSync: { warnAfterDays: 95 }')).toEqual(['statusSync.warnAfterDays']);
    expect(problems('statusSync: { checkEvery: 5 }')).toEqual(['statusSync']);
    expect(problems('statusSync: { warnAfterDays: 10, limitDays: -1 }')).toContain('statusSync.limitDays');
    expect(problems('', 'rules:\n  - { name: r, when: { field: referral.caseType, equals: x }, then: { action: decline } }')).toEqual(['rules.0.then.reason']);
  });

  it("refuses a rule that reads the client's personal data unless privacy.copyPersonalData is on", () => {
    const rule = 'rules:\n  - { name: r, when: { any: [ { field: referral.caseType, equals: x }, { field: referral.client.email, exists: true } ] }, then: accept }';
    expect(() => testFirmConfig('', rule)).toThrow(/rules\.0\.when\.any\.1\.field: "referral\.client\.email" is the client's personal data.*set one of them to true/);
    expect(testFirmConfig('privacy: { copyPersonalData: true }', rule).rules[0]!.name).toBe('r');
  });
});
