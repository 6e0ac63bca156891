/**
 * Who may call what. Deny by default twice over: a route is protected (a token, and Redis must be
 * reachable) unless its pattern is one of the open ones; and a protected route not listed below
 * needs `admin`, so a route added later is neither open nor given to the CMS by accident. Requests
 * that match no route are protected too (and answered 404 to any identity).
 */
import type { Role } from '../identity/roles.js';

/**
 * Open route patterns: health, metrics (keep it on an internal network), the API docs, the
 * console's page and assets (static files, no data), and the console's sign-in (it takes a token).
 */
const OPEN_ROUTE = /^\/(health\/(live|ready)|metrics|docs(\/.*)?|console(\/|\/\*)?|console\/api\/sign-in)$/;

/** True when the route pattern `url` (Fastify's `routeOptions.url`) needs no token. */
export function isOpenRoute(url: string | undefined): boolean {
  return url !== undefined && OPEN_ROUTE.test(url);
}

/** Routes whose pages a browser opens (the queue board): they also take HTTP Basic with the token as password. */
export function acceptsBasicAuth(url: string | undefined): boolean {
  return url !== undefined && (url === '/admin/queues' || url.startsWith('/admin/queues/'));
}

/** The console's data routes: a session cookie (with CSRF on unsafe methods) or a bearer token. */
export function isConsoleApiRoute(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/console/api/');
}

const READERS: readonly Role[] = ['cms', 'intake', 'viewer', 'admin'];
/** People at the console: the CMS is a machine and has no console. */
const PEOPLE: readonly Role[] = ['intake', 'viewer', 'admin'];

/** `METHOD pattern` → the roles of which one is enough. HEAD is answered as GET. */
const ROUTE_ROLES: Readonly<Record<string, readonly Role[]>> = {
  'GET /v1/invitations': READERS,
  'GET /v1/invitations/:id': READERS,
  'POST /v1/invitations/:id/decision': ['cms', 'intake'],
  'POST /v1/cases/:caseId/updates': ['cms'],
  'POST /v1/cases/:caseId/milestones': ['cms'],
  'POST /v1/cases/:caseId/milestones/retained': ['cms'],
  'GET /v1/outbound/:id': ['cms', 'viewer', 'admin'],
  'GET /v1/events': ['cms', 'viewer', 'admin'],
  'GET /admin/jobs/failed': ['viewer', 'admin'],
  'POST /admin/jobs/:queue/:id/retry': ['admin'],
  'POST /admin/jobs/retry': ['admin'],
  'POST /admin/backfill': ['admin'],
  'GET /console/api/session': PEOPLE,
  'POST /console/api/sign-out': PEOPLE,
  'GET /console/api/waiting': PEOPLE,
  'GET /console/api/invitations/:id': PEOPLE,
  'POST /console/api/invitations/:id/decision': ['intake'],
  'GET /console/api/activity': PEOPLE,
  'POST /console/api/jobs/:queue/:id/retry': ['admin'],
  'POST /console/api/what-if': PEOPLE,
  'GET /console/api/health': PEOPLE,
  'GET /console/api/stream': PEOPLE,
};

/** The roles listed for a route, or undefined when it is not listed (the board counts as listed). */
export function listedRoles(method: string, url: string): readonly Role[] | undefined {
  const read = method === 'GET' || method === 'HEAD';
  // The board reads with GET and acts with PUT, POST, PATCH and DELETE: viewers see, admins act.
  if (acceptsBasicAuth(url)) return read ? ['viewer', 'admin'] : ['admin'];
  return ROUTE_ROLES[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/** The roles of which a caller of the protected route `method url` needs one. */
export function requiredRoles(method: string, url: string): readonly Role[] {
  return listedRoles(method, url) ?? ['admin'];
}
