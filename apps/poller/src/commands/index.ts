/**
 * The poller's Redis scripts: one `<name>-<number of keys>.lua` file each in this folder, loaded and
 * defined by the one loader (`scriptSet`, `@lexbridge/shared/redis`).
 */
import { scriptSet } from '@lexbridge/shared/redis';

export const pollerScripts = scriptSet(new URL('./', import.meta.url), ['advanceCheckpoint', 'rememberEvents', 'renewLease', 'releaseLease'] as const);
