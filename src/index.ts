/**
 * twin's library API: everything the CLI does, callable from users' own code and tests.
 * @packageDocumentation
 */
export { defineCluster, defaultK3sVersion } from './model/cluster.js';
export type { Cluster, ClusterInput, ClusterNode, NodeInput, NodeNameOf, BuiltinProfileName } from './model/cluster.js';
export type { NodeSwap, NodeSwapInput } from './model/node-swap.js';
export type { NodeRole, Datastore, Taint } from './model/cluster-schema.js';
export { loadClusterFile, clusterFromDefinition, clusterFromDocument } from './load/cluster.js';
export type { ClusterLoadOptions } from './load/cluster.js';
export { loadManifests } from './load/manifests.js';
export { parseManifests } from './model/manifests.js';
export type { ManifestObject } from './model/manifests.js';
export { settingDefinitions } from './model/setting-definitions.js';
export type { SettingName } from './model/setting-definitions.js';
export { resolveSettings } from './model/settings.js';
export type { ModelSettings, SettingsInput } from './model/settings.js';
export { defineProfile } from './model/hardware-profile.js';
export type { HardwareProfile, HardwareProfileInput, Architecture, StorageOption, NetworkInterface } from './model/hardware-profile.js';
export { ProfileRegistry, loadProfileFile } from './load/profiles.js';
export { validateFile } from './validate.js';
export type { ValidatedFile } from './validate.js';
export { ConfigError, EngineUnavailableError, ExternalCommandError, BugError, ExitCode } from './errors.js';
export * as units from './model/units.js';
export { defineScenario } from './scenario/scenario.js';
export type { ScenarioInput } from './scenario/scenario.js';
export type { Fault, FaultKind, FaultTime, ResolvedFault, Bandwidth } from './scenario/faults.js';
export type { Expectation, ExpectationKind, ResolvedExpectation, Verdict } from './scenario/expectations.js';
export type { Anchor, ResolvedAnchor } from './scenario/anchors.js';
export { resolveExpectations } from './scenario/expectations.js';
export { judgeAll } from './scenario/judge.js';
export type { JudgeContext } from './scenario/judge.js';
export { loadScenarioFile, resolveScenario } from './scenario/load.js';
export type { LoadedScenario, PlannedFault } from './scenario/load.js';
export { runScenario, runScenarioFile } from './runner/run-scenario.js';
export { runScenarios } from './runner/runner.js';
export type { RunnerOptions } from './runner/runner.js';
export type { Reporter, RunStart, RunEnd } from './runner/reporter.js';
export type { RunOptions } from './runner/run-scenario.js';
export type { RunReport } from './report/report.js';
export type { Engine, EngineResult, RunPlan, BringUpSummary } from './engines/engine.js';
export { engines } from './engines/registry.js';
export { createSimulation, Simulation } from './sim/index.js';
export type { Timeline, TimelineEvent, TimelineEventKind, TimelineSeries } from './model/timeline.js';
