import { describe, expect, it } from 'vitest';
import { ConfigError, flagFor, loadSandboxConfig } from './config.js';

describe('sandbox configuration', () => {
  it('defaults to port 4010 on loopback with the demo scenario and no faults', () => {
    const c = loadSandboxConfig([], {});
    expect(c).toMatchObject({ port: 4010, host: '127.0.0.1', seed: 1, scenario: { name: 'demo', autoStart: true } });
    expect(c.org).toBeUndefined();
    expect(c.faults.serverError).toEqual({ rate: 0, status: 503 });
  });

  it('lets a flag override the environment variable of the same name', () => {
    const c = loadSandboxConfig(['--port', '0', '--fault-5xx', '0.25', '--scenario', 'idle'], { SANDBOX_PORT: '5000', SANDBOX_FAULT_5XX: '0.5', SANDBOX_SEED: '9' });
    expect(c.port).toBe(0);
    expect(c.seed).toBe(9);
    expect(c.faults.serverError?.rate).toBe(0.25);
    expect(c.scenario).toMatchObject({ name: 'idle', autoStart: false });
    expect(flagFor('SANDBOX_FAULT_LATE_WINDOW_MS')).toBe('fault-late-window-ms');
  });

  it('accepts scenario options as JSON and names the variable when a value is wrong', () => {
    expect(loadSandboxConfig([], { SANDBOX_SCENARIO: '{"rate":2,"cancelRate":0}' }).scenario.options).toEqual({ rate: 2, cancelRate: 0 });
    const wrong = (env: Record<string, string>, argv: string[] = []) => {
      try {
        loadSandboxConfig(argv, env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.map((p) => p.variable);
      }
      throw new Error('expected a ConfigError');
    };
    expect(wrong({ SANDBOX_FAULT_429: '1.5' })).toEqual(['SANDBOX_FAULT_429']);
    expect(wrong({ SANDBOX_SCENARIO: 'nonsense' })).toEqual(['SANDBOX_SCENARIO']);
    expect(wrong({ SANDBOX_SCENARIO: '{"rate":-1}' })).toEqual(['SANDBOX_SCENARIO']);
    expect(wrong({ SANDBOX_ORG_ID: 'org1' })).toEqual(['SANDBOX_ORG_ID']);
    expect(wrong({}, ['--no-such-flag', 'x'])).toEqual(['command line']);
  });
});
