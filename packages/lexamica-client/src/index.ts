/**
 * @lexbridge/lexamica-client: every HTTP call Lexbridge makes to Lexamica, driven by one API
 * profile, with typed errors, retries honouring Retry-After, per-attempt timeouts and zod-checked
 * responses.
 */
export {
  createLexamicaClient,
  type LexamicaClient,
  type LexamicaClientOptions,
  type EventQuery,
  type EventPage,
  type PagesQuery,
  type InvitationActionName,
  type InvitationActionRequest,
  type FileUpload,
  type NewMapping,
  type NewSubscription,
  type NewWebhookSubscription,
} from './client.js';
export type { CallOptions } from './request.js';
export type { StoredEvent, RejectedEvent, RejectedItem, ListResult, Mapping, Subscription, WebhookSubscription, InvitationState } from './response-schemas.js';
export {
  defaultProfile,
  profileOverrideSchema,
  resolveProfile,
  invitationLifecycleEvents,
  routedEventNames,
  ProfileError,
  type ApiProfile,
  type ApiProfileOverride,
  type KeyPlacement,
  type KeyKind,
  type ListKind,
  type ListEnvelope,
  LIST_KINDS,
} from './profile.js';
export {
  LexamicaError,
  LexamicaHttpError,
  LexamicaConflictError,
  LexamicaTimeoutError,
  LexamicaNetworkError,
  LexamicaResponseError,
  isRetryable,
  configurationProblem,
  type LexamicaErrorInit,
  type LexamicaRequestInfo,
} from './errors.js';
export { defaultRetryPolicy, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';
export { createWebhookReader, webhookDigest, type WebhookReader, type WebhookReading, type WebhookRejection, type IncomingHeaders } from './webhook.js';
export { clientOptionsFromEnv, type LexamicaEnv } from './from-env.js';
