/**
 * The OpenTelemetry SDK (provider, exporter, resources, propagator: about 25 MB of RSS in a service)
 * is loaded only when tracing is turned on. Off, the services use the API's no-op spans alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';

const loaded = vi.hoisted(() => new Set<string>());

vi.mock('@opentelemetry/exporter-trace-otlp-http', async (importOriginal) => {
  loaded.add('exporter-trace-otlp-http');
  return importOriginal();
});
vi.mock('@opentelemetry/resources', async (importOriginal) => {
  loaded.add('resources');
  return importOriginal();
});
vi.mock('@opentelemetry/context-async-hooks', async (importOriginal) => {
  loaded.add('context-async-hooks');
  return importOriginal();
});
vi.mock('@opentelemetry/semantic-conventions', async (importOriginal) => {
  loaded.add('semantic-conventions');
  return importOriginal();
});

describe('tracing', () => {
  let shutdown: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await shutdown?.();
    shutdown = undefined;
  });

  it('off: loads none of the SDK, and spans are no-ops', async () => {
    const { inSpan, startTracing, currentCarrier } = await import('./index.js');
    const tracing = await startTracing({ service: 't', config: { enabled: false } });
    shutdown = () => tracing.shutdown();
    expect(await inSpan('x', {}, async (span) => span.isRecording())).toBe(false);
    expect(currentCarrier()).toBeUndefined();
    expect([...loaded]).toEqual([]);
  });

  it('on: loads the SDK and exports spans with the service name', async () => {
    const { inSpan, startTracing, currentCarrier } = await import('./index.js');
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ service: 'svc', config: { enabled: true }, version: '1.2.3', exporter, simple: true });
    shutdown = () => tracing.shutdown();
    const carrier = await inSpan('work', {}, async () => currentCarrier());
    expect(carrier?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('work');
    expect(span?.resource.attributes).toMatchObject({ 'service.name': 'svc', 'service.version': '1.2.3' });
    expect(loaded.has('resources')).toBe(true);
  });
});
