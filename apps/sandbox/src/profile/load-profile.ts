/**
 * Where the sandbox's profile comes from: a built-in name (`default`, `alternate`) or a YAML file,
 * either a firm's `lexbridge.yaml` (its `profile:` section is used) or a profile file on its own.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildProfile, SandboxProfileError, type SandboxProfile } from './sandbox-profile.js';

/** The profiles that ship with the sandbox: the documented defaults, and one unlike them everywhere. */
export const BUILT_IN_PROFILES = ['default', 'alternate'] as const;
export type BuiltInProfile = (typeof BUILT_IN_PROFILES)[number];

/** The file of a built-in profile (`default` has none: it is the defaults). */
export function builtInProfileFile(name: Exclude<BuiltInProfile, 'default'>): string {
  return fileURLToPath(new URL(`../../profiles/${name}.yaml`, import.meta.url));
}

/** The `profile:` section of a YAML text, or the whole document when it has none. */
export function profileSectionOf(yamlText: string, file = 'profile'): unknown {
  let doc: unknown;
  try {
    doc = parse(yamlText);
  } catch (err) {
    throw new SandboxProfileError([`${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new SandboxProfileError([`${file}: must be a YAML mapping`]);
  const d = doc as Record<string, unknown>;
  // A firm's whole configuration (it has mappings): only its profile section describes the API.
  if ('profile' in d || 'mappings' in d) return d.profile ?? {};
  return d;
}

/** A built-in profile by name, or the profile in the YAML file at `source`. */
export function loadProfile(source: string): SandboxProfile {
  if (source === 'default') return buildProfile({});
  const file = (BUILT_IN_PROFILES as readonly string[]).includes(source) ? builtInProfileFile(source as 'alternate') : source;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SandboxProfileError([`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a built-in name (${BUILT_IN_PROFILES.join(', ')}) or a YAML file`]);
  }
  return buildProfile(profileSectionOf(text, file));
}
