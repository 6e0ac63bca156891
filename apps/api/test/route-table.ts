/** The route table as Fastify builds it, collected with an onRoute hook (so no route can be missed). */
import type { FastifyInstance, RouteOptions } from 'fastify';

/** The routes the brief keeps open, written out here independently of the code under test. */
function expectedOpen(url: string): boolean {
  return (
    url === '/health/live' ||
    url === '/health/ready' ||
    url === '/metrics' ||
    url === '/docs' ||
    url.startsWith('/docs/') ||
    // The console's static page (no data in it) and its sign-in, which takes a token in its body.
    url === '/console' ||
    url === '/console/' ||
    url === '/console/*' ||
    url === '/console/api/sign-in'
  );
}

/** Routes whose answer never ends (server-sent events): walked only up to their refusal, never into the handler. */
export function isStreaming(url: string): boolean {
  return url === '/console/api/stream';
}

export interface RouteEntry {
  method: string;
  url: string;
  open: boolean;
}

/** Returns the table (filled while the app loads) and the hook to install before `ready()`. */
export function routeCollector() {
  const routes: RouteEntry[] = [];
  const install = (app: FastifyInstance) => {
    app.addHook('onRoute', (r: RouteOptions) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url, open: expectedOpen(r.url) });
    });
  };
  return { routes, install };
}

/** A concrete URL for a route pattern: each `:param` and `*` filled with `value`. */
export function concreteUrl(pattern: string, value = 'x'): string {
  return pattern.replace(/:[A-Za-z0-9_]+/g, value).replace(/\*/g, value);
}
