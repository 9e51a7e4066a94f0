/**
 * `kind: Calibration`: what `twin calibrate` measured on a real cluster, figure by figure, each
 * with its sample count, spread and time window. A cluster spec points at one
 * (`spec.calibration`), and the model then uses these figures over its defaults for the nodes
 * (and hardware profiles) they were measured on. Pure module: schema and types only.
 */
import { z } from 'zod';
import { settingsOverrideSchema } from './cluster-schema.js';
import { twinApiVersion } from './hardware-profile.js';
import { parseBytes, parseDuration, parseMillicores, parseRate } from './units.js';
import { unitSchema } from './validation.js';

/** Every figure `twin calibrate` can measure, and what the model does with it. */
export const calibrationFigureNames = [
  /** Power-on until the kubelet starts (the board's boot, then K3s's start up to the kubelet); replaces the profile's bootTime. */
  'bootTime',
  /**
   * K3s process start until the API answers (server) or until its kubelet starts (agent; for a restart
   * of a node already registered, until it is Ready again); replaces k3sServerStartTime / k3sAgentStartTime.
   */
  'k3sStart',
  /** Kubelet start until the node reports Ready; replaces nodeReadyAfterRegistration. */
  'nodeReady',
  /** Pod scheduled until its container runs, less any image pull: sandbox, create, start; replaces containerStartTime. */
  'containerStart',
  /** Image pull and unpack, bytes per second of image size, as the kubelet's Pulled events report it. */
  'imagePull',
  /** Memory the kubelet reports as capacity (status.capacity.memory); replaces RAM less firmwareMemoryReserve. */
  'memoryCapacity',
  /** Memory capacity less allocatable: reserved memory and the hard eviction threshold. */
  'memoryReserved',
  /** Memory in use outside the pods (the OS and K3s): node working set less the pods' (kubelet summary API). */
  'memoryOutsidePods',
  /** K3s's own memory: the kubelet system container of the summary API (on K3s, the k3s process and containerd). */
  'k3sMemory',
  /** K3s's own CPU at rest, in millicores of this node. */
  'k3sCpu',
] as const;
export type CalibrationFigureName = (typeof calibrationFigureNames)[number];

/** The unit each figure is written in (and parsed from). */
export const calibrationFigureUnits: Readonly<Record<CalibrationFigureName, 'duration' | 'bytes' | 'rate' | 'millicores'>> = {
  bootTime: 'duration',
  k3sStart: 'duration',
  nodeReady: 'duration',
  containerStart: 'duration',
  imagePull: 'rate',
  memoryCapacity: 'bytes',
  memoryReserved: 'bytes',
  memoryOutsidePods: 'bytes',
  k3sMemory: 'bytes',
  k3sCpu: 'millicores',
};

const timestamp = z.iso.datetime({ offset: true });

function measured(value: z.ZodType<number, unknown>) {
  return z
    .strictObject({
      /** The median of the samples, in the figure's unit (`3.2s`, `512Mi`, `12MB/s`, `250m`). */
      value,
      /** How many separate observations the value rests on. */
      samples: z.number().int().positive(),
      /** The smallest and largest sample: the model's range for this figure. */
      low: value,
      high: value,
      /** The time window the samples were taken in. */
      from: timestamp,
      to: timestamp,
      /** What was read and how the figure follows from it, e.g. `kubelet events: Starting → NodeReady`. */
      source: z.string().min(3),
    })
    .superRefine((figure, ctx) => {
      if (figure.low > figure.value) ctx.addIssue({ code: 'custom', path: ['low'], message: 'low is above value (low ≤ value ≤ high)' });
      if (figure.high < figure.value) ctx.addIssue({ code: 'custom', path: ['high'], message: 'high is below value (low ≤ value ≤ high)' });
      if (figure.from > figure.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from is after to' });
    });
}

const parsers = {
  duration: unitSchema(parseDuration, '3.2s'),
  bytes: unitSchema(parseBytes, '512Mi'),
  rate: unitSchema(parseRate, '12MB/s'),
  millicores: unitSchema(parseMillicores, '250m'),
} as const;

export const calibrationFiguresSchema = z.strictObject(
  Object.fromEntries(calibrationFigureNames.map((name) => [name, measured(parsers[calibrationFigureUnits[name]]).optional()])) as {
    [K in CalibrationFigureName]: z.ZodOptional<ReturnType<typeof measured>>;
  },
);

const notMeasuredSchema = z.array(
  z.strictObject({
    figure: z.enum(calibrationFigureNames),
    /** Why the figure could not be measured, e.g. `no reboot in the window`; the model keeps its own value. */
    reason: z.string().min(3),
  }),
);

const nodeName = z.string().min(1);

export const calibrationDocumentSchema = z.strictObject({
  apiVersion: z.literal(twinApiVersion),
  kind: z.literal('Calibration'),
  metadata: z.strictObject({
    name: z.string().min(1),
    /** The cluster measured: its API server and the kubeconfig context used. */
    cluster: z.strictObject({ server: z.string().min(1), context: z.string().optional() }),
    /** When `twin calibrate` ran. */
    measuredAt: timestamp,
    /** The window the events and samples were taken from (`--since`). */
    window: z.strictObject({ from: timestamp, to: timestamp }),
    /** The twin version that wrote the file. */
    twinVersion: z.string().optional(),
  }),
  spec: z.strictObject({
    /** Per node, as the cluster names them. */
    nodes: z.array(
      z.strictObject({
        name: nodeName,
        role: z.enum(['server', 'agent']),
        /** The node's hardware profile (label twin.dev/profile, or inferred), when known. */
        profile: z.string().optional(),
        figures: calibrationFiguresSchema.default({}),
        notMeasured: notMeasuredSchema.default([]),
      }),
    ),
    /** Per hardware profile, pooled over its nodes: used for nodes of that profile the file does not name (planning). */
    profiles: z
      .array(
        z.strictObject({
          profile: z.string().min(1),
          role: z.enum(['server', 'agent']),
          nodes: z.array(nodeName).min(1),
          figures: calibrationFiguresSchema.default({}),
        }),
      )
      .default([]),
    /** The kubelet's real configuration (configz) where every node read agrees, in `spec.settings` syntax. */
    settings: settingsOverrideSchema.default({}),
    /** What was read, and what was refused or absent (the figures that depend on it are then not measured). */
    sources: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          status: z.enum(['read', 'refused', 'unavailable']),
          detail: z.string().optional(),
        }),
      )
      .default([]),
  }),
});

/** A Calibration file as written. */
export type CalibrationInput = z.input<typeof calibrationDocumentSchema>;
/** A validated Calibration: every figure in twin's base units (s, bytes, bytes/s, millicores). */
export type Calibration = z.output<typeof calibrationDocumentSchema>;
export type CalibrationFigures = Calibration['spec']['nodes'][number]['figures'];
export type MeasuredFigure = NonNullable<CalibrationFigures[CalibrationFigureName]>;
