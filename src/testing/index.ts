/**
 * `twin/testing`: property-based resilience tests for your CI. Generate fault schedules
 * over your cluster, run each on the sim engine, judge a property, and get the minimal
 * failing schedule — with a scenario file that `twin run` replays.
 *
 * @packageDocumentation
 */
export { faultArbitrary, scheduleArbitrary, defaultBounds } from './schedules.js';
export type { ScheduleBounds, GeneratedFaultKind } from './schedules.js';
export { checkResilience, runSchedule } from './check.js';
export type { CheckOptions, CheckResult, CheckFailure, CheckedRun } from './check.js';
export {
  deploymentsRecover,
  serviceAvailability,
  apiStaysAvailable,
  noOomKills,
  recoversFromPowerCut,
  builtinProperties,
} from './properties.js';
export type { ResilienceProperty, PropertyContext, BuiltinPropertyName } from './properties.js';
export { writeReproduction } from './reproduce.js';
export type { ReproductionSources } from './reproduce.js';
export { loadClusterFile } from '../load/cluster.js';
export { loadManifests } from '../load/manifests.js';
