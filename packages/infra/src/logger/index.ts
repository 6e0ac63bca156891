import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { createRedactor, type RedactOptions } from '../redact/index.js';
import { correlationFields } from '../tracing/index.js';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions extends RedactOptions {
  /** Service name, logged as `service` on every line. */
  name: string;
  /** pino level (default `info`). */
  level?: string;
  /** Where lines go (default stdout). Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  /** Fields on every line besides `service` (the firm's name: `firm`). */
  fields?: Record<string, string>;
  /** Human-readable output; default: only when stdout is a TTY and no destination is given. */
  pretty?: boolean;
}

/**
 * The one way Lexbridge makes a logger: pino, JSON lines, with credentials and client personal
 * data removed from every object and message before it is written.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const redactor = createRedactor(opts);
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    base: { service: opts.name, ...opts.fields },
    // Every line written while a job or request runs names its trace and request: the same fields
    // in every service, so one invitation's lines can be found across them.
    mixin: correlationFields,
    // Header paths are cut by pino itself (fast path); everything else by the deep redactor.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'request.headers.authorization'],
      censor: '[Redacted]',
    },
    // Serialized values are redacted after serializing (a request object's fields are getters
    // that a plain copy would lose), so the log formatter leaves these keys to them.
    serializers: {
      err: (e: unknown) => redactor.value(pino.stdSerializers.err(e as Error)),
      req: (r: unknown) => redactor.value(pino.stdSerializers.req(r as never)),
      res: (r: unknown) => redactor.value(pino.stdSerializers.res(r as never)),
    },
    formatters: {
      log: (obj) => {
        const { err, req, res, ...rest } = obj as Record<string, unknown>;
        return { ...redactor.value(rest), ...(err === undefined ? {} : { err }), ...(req === undefined ? {} : { req }), ...(res === undefined ? {} : { res }) };
      },
      bindings: (bindings) => redactor.value(bindings),
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((a) => (typeof a === 'string' ? redactor.text(a) : a));
        method.apply(this, redacted as Parameters<typeof method>);
      },
    },
  };
  const pretty = opts.pretty ?? (!opts.destination && process.stdout.isTTY === true);
  const logger = pretty
    ? pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } } })
    : opts.destination
      ? pino(options, opts.destination)
      : pino(options);
  return redactChildBindings(logger, redactor.value);
}

/**
 * pino does not pass a child's bindings through `formatters.bindings`, so `child()` is wrapped
 * once on the root: children inherit the wrapper through the prototype chain.
 */
function redactChildBindings(logger: Logger, clean: <T>(v: T) => T): Logger {
  const protoChild = Object.getPrototypeOf(logger).child as Logger['child'];
  Object.defineProperty(logger, 'child', {
    value: function child(this: Logger, bindings: Record<string, unknown>, options?: Parameters<Logger['child']>[1]) {
      return protoChild.call(this, clean(bindings), options);
    },
  });
  return logger;
}
