/**
 * The API's Redis scripts (the idempotency records): one `<name>-<number of keys>.lua` file each in
 * this folder, loaded and defined by the one loader (`scriptSet`, `@lexbridge/infra/redis`).
 */
import { scriptSet } from '@lexbridge/infra/redis';

export const apiScripts = scriptSet(new URL('./', import.meta.url), ['beginIdempotentRequest', 'completeIdempotentRequest', 'abandonIdempotentRequest'] as const);
