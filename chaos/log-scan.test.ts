import { describe, expect, it } from 'vitest';
import { createLeakScanner } from './log-scan.js';

const scanner = createLeakScanner({
  secrets: ['pk_chaos_0123456789abcdef', 'tok_chaos_fedcba9876543210'],
  clients: [{ firstName: 'Grace', lastName: 'Okafor', email: 'grace.okafor.7@example.com', phone: '+15551420042' }],
});

describe('the log leak scanner', () => {
  it('finds keys, tokens, emails, phone numbers and names, with file and line', () => {
    const log = [
      '{"level":30,"msg":"started"}',
      '{"level":50,"headers":{"authorization":"Bearer tok_chaos_fedcba9876543210"}}',
      '{"level":30,"payload":{"client":{"email":"Grace.Okafor.7@example.com"}}}',
      '{"level":30,"phone":"555-142-0042"}',
      '{"level":30,"client":{"first_name":"Grace"}}',
      '{"level":30,"msg":"decided for Grace Okafor"}',
      'GET /x?key=pk_chaos_0123456789abcdef',
    ].join('\n');
    expect(scanner.scan(log, 'processor-1.log')).toEqual([
      { where: 'processor-1.log:2', kind: 'secret' },
      { where: 'processor-1.log:3', kind: 'email' },
      { where: 'processor-1.log:4', kind: 'phone' },
      { where: 'processor-1.log:5', kind: 'name' },
      { where: 'processor-1.log:6', kind: 'name' },
      { where: 'processor-1.log:7', kind: 'secret' },
    ]);
  });

  it('does not take a common word, a redaction or another number for personal data', () => {
    const log = [
      '{"level":40,"msg":"Grace period over; shutting down"}',
      '{"level":30,"payload":{"client":{"email":"[redacted]","phone":"[redacted]"}}}',
      '{"level":30,"time":1795382360268,"jobId":"act-15551420043"}',
      '{"level":30,"msg":"pk_chaos_ is the key prefix"}',
    ].join('\n');
    expect(scanner.scan(log, 'api.log')).toEqual([]);
  });
});
