/** The command line's public surface, for end-to-end tests and benchmarks. */
export { runCli, EXIT } from './cli.js';
export { planSetup, applySetup, describePlan, type SetupPlan } from './setup.js';
