/**
 * The poller's Redis scripts: one `<name>-<number of keys>.lua` file each in this folder, loaded and
 * defined by the one loader (`scriptSet`, `@lexbridge/infra/redis`).
 */
import { scriptSet } from '@lexbridge/infra/redis';

export const pollerScripts = scriptSet(new URL('./', import.meta.url), ['renewLease', 'releaseLease'] as const);
