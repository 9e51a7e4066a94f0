/**
 * The expectation vocabulary: the behaviour the user believes in, as temporal checks over the
 * timeline. The schema is the one source: the types and the kinds list derive from it. The
 * loader resolves each expectation once (anchors parsed, durations in seconds, defaults filled);
 * `judge.ts` judges only resolved ones.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { defaultAnchor, resolveAnchor, type ResolvedAnchor } from './anchors.js';
import { anchor, duration, name, Problems, type Immutable, type WithNodeNames } from './fields.js';

const expectationBase = {
  id: z.string().optional(),
  /** The belief in the user's words, e.g. "Rancher down: no workloads affected". */
  description: z.string().optional(),
};
const x = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.strictObject({ ...expectationBase, kind: z.literal(kind), ...shape });
const window = { from: anchor.optional(), to: anchor.optional() };

export const expectationSchema = z.discriminatedUnion('kind', [
  x('node-condition', {
    node: name,
    status: z.enum(['Ready', 'NotReady']),
    after: anchor.optional(),
    within: duration,
    notBefore: duration.optional(),
  }),
  x('pods-ready', { workload: name, atLeast: z.number().int().nonnegative(), ...window }),
  x('no-scheduling', { from: anchor, to: anchor.optional() }),
  x('service-availability', {
    service: name,
    atLeast: z.number().min(0).max(1).optional(),
    atMost: z.number().min(0).max(1).optional(),
    ...window,
  }).refine((e) => e.atLeast !== undefined || e.atMost !== undefined, {
    message: 'give atLeast or atMost (a share of time between 0 and 1)',
    path: ['atLeast'],
  }),
  x('oom-killed', { workload: name, after: anchor.optional(), within: duration.optional(), backoff: z.boolean().optional() }),
  x('no-oom-kills', window),
  x('workloads-unaffected', { ...window, workloads: z.array(name).optional() }),
  /** `via`: the API as reached through that gateway (role external, haproxy), as kubectl given its address sees it. */
  x('api-unavailable', { after: anchor.optional(), within: duration, via: name.optional() }),
  x('api-available', { after: anchor.optional(), within: duration, via: name.optional() }),
  x('api-stays-available', { ...window, via: name.optional() }),
  x('bring-up-within', { within: duration }),
  x('replacement-ready', { workload: name, after: anchor.optional(), within: duration }),
  x('not-replaced', { workload: name, ...window }),
  x('shown-running', { node: name, after: anchor.optional(), forAtLeast: duration }),
  x('rancher-unavailable', { after: anchor.optional(), within: duration }),
  x('rancher-reconnects', { after: anchor.optional(), within: duration }),
  /** A Deployment's rollout stalls: Progressing=False, ProgressDeadlineExceeded (no progress for progressDeadlineSeconds). */
  x('rollout-stuck', { workload: name, after: anchor.optional(), within: duration }),
  /** A Job (or any Job a CronJob created) reaches its terminal condition as `kubectl get job` shows it. */
  x('job', {
    job: name,
    condition: z.enum(['Complete', 'Failed']),
    reason: z.enum(['BackoffLimitExceeded', 'DeadlineExceeded']).optional(),
    after: anchor.optional(),
    within: duration.optional(),
  }),
]);

/** An expectation as a scenario writes it; node fields are narrowed to the cluster's node names. */
export type Expectation<N extends string = string> = WithNodeNames<z.input<typeof expectationSchema>, N>;
export type ExpectationKind = Expectation['kind'];
export const expectationKinds: readonly ExpectationKind[] = expectationSchema.options.map((option) => option.shape.kind.value);

const anchorFields = ['after', 'from', 'to'] as const;
const durationFields = ['within', 'notBefore', 'forAtLeast'] as const;
type AnchorField = (typeof anchorFields)[number];
type DurationField = (typeof durationFields)[number];

type Resolved<E> = E extends unknown
  ? Immutable<
      Omit<{ [K in keyof E]: K extends DurationField ? number : E[K] }, 'id' | AnchorField> & {
        readonly id: string;
      } & { [K in keyof E as K extends AnchorField ? K : never]-?: ResolvedAnchor }
    >
  : never;

/** What `judge` consumes: an id, anchors parsed (left-out ones filled: `after`/`from` start, `to` end), durations in seconds. */
export type ResolvedExpectation = Resolved<z.output<typeof expectationSchema>>;

/** What judging one expectation on a run's timeline gives (`judge.ts`). */
export interface Verdict {
  readonly id: string;
  readonly kind: ExpectationKind;
  readonly description: string;
  readonly status: 'pass' | 'fail';
  readonly expected: string;
  readonly observed: string;
  /** One line: why it passed or failed, from the timeline. */
  readonly explanation: string;
  /**
   * The observed quantity as a number, where there is one (a delay, a share, a count): what the
   * sim engine's range sweep (runner/ranges.ts) spans. report.json carries it only inside `range`.
   */
  readonly measure?: Measure;
}

/** A verdict's observed quantity: seconds, a percentage or a count. */
export interface Measure {
  readonly value: number;
  readonly unit: 'seconds' | 'percent' | 'count';
}

const fieldsOf = new Map<string, ReadonlySet<string>>(
  expectationSchema.options.map((option) => [option.shape.kind.value, new Set(Object.keys(option.shape))]),
);

export interface ResolveExpectationOptions {
  /** Where problems are reported: `expect[2]`. */
  readonly field: string;
  /** The id when the expectation gives none. */
  readonly id: string;
  /** Fault ids an anchor may name. */
  readonly faultIds: ReadonlySet<string>;
}

/** Resolves one expectation; every bad anchor or duration is reported at its field. */
export function resolveExpectation(expectation: Expectation, problems: Problems, options: ResolveExpectationOptions): ResolvedExpectation {
  const written = expectation as Readonly<Record<string, unknown>>;
  const fields = fieldsOf.get(expectation.kind) ?? new Set<string>();
  const resolved: Record<string, unknown> = { ...expectation, id: expectation.id ?? options.id };
  for (const key of anchorFields) {
    if (!fields.has(key)) continue;
    const value = written[key];
    resolved[key] =
      value === undefined
        ? defaultAnchor(key === 'to' ? 'end' : 'start')
        : resolveAnchor(value as string | number, `${options.field}.${key}`, problems, options.faultIds);
  }
  for (const key of durationFields) {
    const value = written[key];
    if (value !== undefined) resolved[key] = problems.duration(`${options.field}.${key}`, value as string | number, 0);
  }
  return resolved as ResolvedExpectation;
}

/**
 * Resolves expectations written in code (`twin check`'s properties, tests), with ids `<prefix>1`,
 * `<prefix>2`… where they give none; a bad field throws a {@link ConfigError} naming `source`.
 */
export function resolveExpectations(
  expectations: readonly Expectation[],
  options: { source?: string; idPrefix?: string; faultIds?: Iterable<string> } = {},
): ResolvedExpectation[] {
  const problems = new Problems();
  const faultIds = new Set(options.faultIds ?? []);
  const resolved = expectations.map((e, i) =>
    resolveExpectation(e, problems, { field: `expect[${i}]`, id: `${options.idPrefix ?? 'e'}${i + 1}`, faultIds }),
  );
  if (problems.list.length > 0) throw new ConfigError(options.source ?? 'expectations', problems.list);
  return resolved;
}
