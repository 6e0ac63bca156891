/** The sandbox's public surface, for end-to-end tests and benchmarks that run it in-process. */
export { buildSandbox, orgFromSeed, type Sandbox, type SandboxOptions } from './app.js';
export type { SandboxOrg, SandboxState, SandboxStats } from './state/sandbox-state.js';
export type { ScenarioController } from './scenario/scenario-controller.js';
export { SCENARIO_PRESETS, type ScenarioOptions, type ScenarioOptionsInput } from './scenario/scenario-options.js';
export { FAULT_KINDS, type FaultConfig, type FaultConfigInput, type FaultKind } from './faults/fault-config.js';
export type { StoredEventRecord } from './state/event-store.js';
export type { InvitationDoc } from './state/invitations.js';
export type { ActionEntry } from './state/invitation-actions.js';
export { buildProfile, EVENT_DEFAULTS, SandboxProfileError, type SandboxProfile, type EventKey } from './profile/sandbox-profile.js';
export { loadProfile, builtInProfileFile, profileSectionOf, BUILT_IN_PROFILES, type BuiltInProfile } from './profile/load-profile.js';
export { MISBEHAVIOURS, type MisbehaviourName, type MisbehaviourInput } from './misbehaviour/misbehaviour.js';
