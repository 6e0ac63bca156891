/** The route table as Fastify builds it, collected with an onRoute hook (so no route can be missed). */
import type { FastifyInstance, RouteOptions } from 'fastify';

/** The routes the brief keeps open, written out here independently of the code under test. */
function expectedOpen(url: string): boolean {
  return url === '/health/live' || url === '/health/ready' || url === '/metrics' || url === '/docs' || url.startsWith('/docs/');
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
