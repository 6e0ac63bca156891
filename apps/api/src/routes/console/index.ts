/** The intake console's API (`/console/api/*`): sessions, what waits, decisions, activity, what-if, health, events. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { activityRoutes } from './activity.js';
import { healthRoutes } from './health.js';
import type { ConsoleRoutesOptions } from './options.js';
import { sessionRoutes } from './session.js';
import { streamRoutes } from './stream.js';
import { waitingRoutes } from './waiting.js';
import { whatIfRoutes } from './what-if.js';

export type { ConsoleRoutesOptions } from './options.js';

export const consoleRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, opts) => {
  await app.register(sessionRoutes, opts);
  await app.register(waitingRoutes, opts);
  await app.register(activityRoutes, opts);
  await app.register(whatIfRoutes, opts);
  await app.register(healthRoutes, opts);
  await app.register(streamRoutes, opts);
};
