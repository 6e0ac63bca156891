/** The API's public surface, for end-to-end tests and benchmarks that build it in-process. */
export { buildApp, DEFAULT_LIMITS, type App, type AppDeps, type ApiLimits } from './app.js';
export { apiServiceEnv, loadApiEnv, type ApiEnv } from './config.js';
export { loadApiConfig } from './config.js';
export { tokenSha256, type IdentityConfig } from './identity/identity-directory.js';
export { ROLES, type Role } from './identity/roles.js';
export { DEFAULT_CONSOLE_SETTINGS, type ConsoleSettings } from './console/settings.js';
