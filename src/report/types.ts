/**
 * The run report's shape, and the model-vs-real comparison it may carry: types only, shared by
 * the builder (report.ts), the comparison (compare.ts) and every renderer, so none of them
 * imports another for a type.
 */
import type { BringUpSummary, LiveStartOutcome } from '../engines/engine.js';
import type { AppliedCalibration } from '../model/calibration-apply.js';
import type { Estimate } from '../model/estimates.js';
import type { Timeline } from '../model/timeline.js';
import type { Finding } from '../model/findings.js';
import type { AppliedFlag, UnmodelledFlag } from '../model/k3s-flags.js';
import type { BringUpAnalysis } from './bringup.js';
import type { UnfinishedItem } from './unfinished.js';
import type { Verdict } from '../scenario/expectations.js';

export const reportApiVersion = 'twin/v1alpha1';

export interface RunReport {
  readonly apiVersion: typeof reportApiVersion;
  readonly kind: 'RunReport';
  readonly scenario: { readonly name: string; readonly file: string; readonly description: string };
  readonly engine: string;
  readonly seed: number;
  readonly status: 'pass' | 'fail';
  readonly summary: { readonly total: number; readonly passed: number; readonly failed: number };
  readonly cluster: {
    readonly name: string;
    readonly k3sVersion: string;
    readonly datastore: string;
    readonly nodes: ReadonlyArray<{ name: string; role: string; profile: string; board: string; storage: string; network: string }>;
  };
  readonly bringUp: BringUpSummary & {
    readonly analysis: BringUpAnalysis;
    /** Present only when the bring-up did not finish: each node and workload it waited for in vain, why, and the fix. */
    readonly unfinished?: readonly UnfinishedItem[];
  };
  /** Faults start at `start` (bring-up complete) and observation ends at `end`, seconds from power-on. */
  readonly phase: { readonly start: number; readonly end: number };
  readonly faults: ReadonlyArray<{ id: string; description: string; injectedAt: number | null; healedAt: number | null }>;
  readonly expectations: readonly ReportedVerdict[];
  /** Failures and risks predicted from the cluster and manifests before the run. */
  readonly findings: readonly Finding[];
  /** Objects kept from the manifests but not simulated. */
  readonly notModelled: readonly string[];
  /** K3s component flags (`--kube-controller-manager-arg=…`) the model follows; present only when there are some. */
  readonly appliedFlags?: readonly AppliedFlag[];
  /** K3s component flags the model does not follow, each with why; present only when there are some. */
  readonly notModelledFlags?: readonly UnmodelledFlag[];
  readonly timeline: Timeline;
  /** With `--engine sim,k3d`: this run (the second engine) against the first, moment by moment. */
  readonly comparison?: Comparison;
  /** What the run left running on request (k3d `--keep`), and how to reach it. */
  readonly kept?: string;
  /**
   * `twin whatif`: the run started from a live cluster's state; what of it the model reproduced.
   * Then the timeline starts at the moment it was read (t = 0) and `bringUp` is empty.
   */
  readonly live?: LiveStartOutcome;
  /** Sim engine, when the model has estimates: how sure the prediction is (runner/ranges.ts). Absent with `--no-ranges`. */
  readonly ranges?: RangeSweep;
  /** Sim engine, with a calibration (`spec.calibration`, `--calibration`): the measured figures and settings the model used. */
  readonly calibration?: AppliedCalibration;
}

// --- How sure is it: the range sweep (runner/ranges.ts, report/ranges.ts) ---

/** The lowest and highest a quantity was over the sweep's runs (the run itself included), in its unit. */
export interface ValueRange {
  readonly low: number;
  readonly high: number;
  readonly unit: 'seconds' | 'percent' | 'count';
}

/** One estimate that, alone, turns an outcome (a verdict; whether a key moment happens) around. */
export interface Flip {
  /** The estimate's id in `ranges.estimates`. */
  readonly estimate: string;
  /** The estimate's value (its base unit) from which the outcome differs, found by bisection. */
  readonly flipsAt: number;
  /** How close the bisection came: the outcome is the run's own at `flipsAt` ∓ `within`. */
  readonly within: number;
  /** The outcome differs when the estimate is above `flipsAt`, or below it. */
  readonly direction: 'above' | 'below';
  /** "passes unless k3s server start (k3sServerStartTime) is longer than 40s". */
  readonly text: string;
}

/** A verdict as the report holds it: with its spread and what flips it when the sweep ran. */
export type ReportedVerdict = Omit<Verdict, 'measure'> & {
  readonly range?: ValueRange;
  readonly sensitivity?: readonly Flip[];
};

/** A key moment (bring-up done, a fault's consequences) with its spread over the sweep. */
export interface MomentRange {
  readonly what: string;
  /** `power-on`, `fault:ID`, `heal:ID`… */
  readonly anchor: string;
  /** The anchor's time in this run, seconds from power-on; null when it did not happen. */
  readonly anchorAt: number | null;
  /** Seconds after the anchor in this run; null when the moment did not happen. */
  readonly value: number | null;
  /** Over the runs where it happened; null when it happened in none. */
  readonly range: ValueRange | null;
  /** Runs (this one included) in which it did not happen. */
  readonly missedIn: number;
  readonly sensitivity: readonly Flip[];
}

/** An estimate as report.json lists it: what it is and its range, without how the sweep applies it. */
export type RangeEstimate = Omit<Estimate, 'target'>;

export interface RangeSweep {
  /** Runs besides this one: each estimate at its low and high, all low, all high, and the bisection runs. */
  readonly runs: number;
  readonly estimates: readonly RangeEstimate[];
  /** Estimates (settings) this run never read: alone they cannot move it, so only the all-low and all-high runs set them. */
  readonly notRead: readonly string[];
  readonly moments: readonly MomentRange[];
  /**
   * With a calibration: the settings and profile figures measurement replaces, which are not swept
   * (the measured figures are, over their measured low–high: estimates with ids `measured:…`).
   */
  readonly replacedByMeasurement?: readonly string[];
}

/** A moment after a fault or its healing, as a delay from that anchor in both runs. */
export interface ComparisonMoment {
  readonly what: string;
  readonly anchor: string;
  /** Seconds after the anchor; null when it did not happen in the run. */
  readonly model: number | null;
  readonly real: number | null;
  /** real − model, seconds. */
  readonly difference: number | null;
  /** |difference| / real; null when either is missing or real is 0. */
  readonly relative: number | null;
  /** Within 20 % or 5 s of each other, or missing in both. */
  readonly agrees: boolean;
  /** The model's spread over its estimates (its run's `ranges`), seconds after the anchor. */
  readonly modelRange?: ValueRange;
}

export interface ComparisonVerdict {
  readonly id: string;
  readonly description: string;
  readonly model: { readonly status: 'pass' | 'fail'; readonly observed: string };
  readonly real: { readonly status: 'pass' | 'fail'; readonly observed: string };
}

export interface Comparison {
  readonly engines: { readonly model: string; readonly real: string };
  readonly expectations: readonly ComparisonVerdict[];
  readonly moments: readonly ComparisonMoment[];
  readonly disagreements: number;
}
