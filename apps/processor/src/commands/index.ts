/**
 * The processor's Redis scripts: one `<name>-<number of keys>.lua` file each in this folder, loaded
 * and defined by the one loader (`scriptSet`, `@lexbridge/infra/redis`).
 */
import { scriptSet } from '@lexbridge/infra/redis';

export const processorScripts = scriptSet(new URL('./', import.meta.url), ['startCaseActivity', 'updateCaseActivity'] as const);
