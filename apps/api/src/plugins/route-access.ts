/**
 * Which routes are open. Deny by default: a route is protected (bearer token, and Redis must be
 * reachable) unless its pattern is one of the open ones, so a route added later can't slip through
 * unauthenticated. Requests that match no route are treated as protected too.
 */

/** Open route patterns: health, metrics (keep it on an internal network) and the API docs. */
const OPEN_ROUTE = /^\/(health\/(live|ready)|metrics|docs(\/.*)?)$/;

/** True when the route pattern `url` (Fastify's `routeOptions.url`) needs no token. */
export function isOpenRoute(url: string | undefined): boolean {
  return url !== undefined && OPEN_ROUTE.test(url);
}

/** Routes whose pages a browser opens (the queue board): they also take HTTP Basic with the token as password. */
export function acceptsBasicAuth(url: string | undefined): boolean {
  return url !== undefined && (url === '/admin/queues' || url.startsWith('/admin/queues/'));
}
