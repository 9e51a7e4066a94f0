import { z } from 'zod';
import { parseBytes, parseDuration, parseHertz, parseRate, parseWatts } from './units.js';
import { parseWith, unitSchema } from './validation.js';

/** The API version of twin's own file formats. */
export const twinApiVersion = 'twin/v1alpha1';

/** How a number was obtained; `estimate` numbers say so in their source. */
export const basisSchema = z.enum(['measured', 'vendor', 'derived', 'estimate']);
export type Basis = z.infer<typeof basisSchema>;

/**
 * Every number in a hardware profile carries where it comes from. The value is
 * written with units (`1Gi`, `253Mbit/s`) and parsed into twin's base unit.
 * An estimate (or a single report) also carries the documented `low` and `high` it may
 * really be, sourced in `source`; they must bracket the value.
 */
function sourced<T extends z.ZodType, E extends z.core.$ZodLooseShape = Record<never, never>>(value: T, extra?: E) {
  return z
    .strictObject({
      value,
      source: z.string().min(3, 'every number needs a source: a document, benchmark or "estimate: why"'),
      basis: basisSchema.default('measured'),
      /** For an estimate (or a spread of measurements): the lowest value it may really be, same unit as `value`. */
      low: value.optional(),
      /** The highest value it may really be, same unit as `value`. */
      high: value.optional(),
      ...(extra ?? ({} as E)),
    })
    .superRefine((figure, ctx) => checkRange(figure as RangeFields, ctx));
}

interface RangeFields {
  readonly value: unknown;
  readonly low?: unknown;
  readonly high?: unknown;
}

/** A range must read low ≤ value ≤ high, each end in the value's unit. */
function checkRange(figure: RangeFields, ctx: z.RefinementCtx): void {
  const { value, low, high } = figure;
  const hint = 'a range needs low ≤ value ≤ high, in the same unit as value';
  if (typeof low === 'number' && typeof high === 'number' && low > high) {
    ctx.addIssue({ code: 'custom', path: ['low'], message: `low is above high (${hint})` });
    return;
  }
  if (typeof value !== 'number') return;
  if (typeof low === 'number' && low > value) ctx.addIssue({ code: 'custom', path: ['low'], message: `low is above value (${hint})` });
  if (typeof high === 'number' && high < value) ctx.addIssue({ code: 'custom', path: ['high'], message: `high is below value (${hint})` });
}

const count = z.number().int().positive();
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

export const architectureSchema = z.enum(['arm64', 'armv7', 'amd64']);
export type Architecture = z.infer<typeof architectureSchema>;

export const storageTypeSchema = z.enum(['microsd', 'emmc', 'usb-ssd', 'usb-hdd', 'nvme', 'sata-ssd']);
export type StorageType = z.infer<typeof storageTypeSchema>;

const storageOptionSchema = z.strictObject({
  /** Name a cluster node uses to pick this option, e.g. `microsd`, `nvme`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  type: storageTypeSchema,
  /** The option used when a node does not choose one. */
  default: z.boolean().default(false),
  description: z.string().optional(),
  sequentialRead: sourced(unitSchema(parseRate, '43MB/s')),
  sequentialWrite: sourced(unitSchema(parseRate, '20MB/s')),
  /** 4 KiB random writes per second at queue depth 1; drives datastore fsync latency. */
  randomWriteIops: sourced(positive),
});

const networkInterfaceSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['ethernet', 'wifi']),
  /** Measured throughput (iperf3), not the link's nominal speed. */
  throughput: sourced(unitSchema(parseRate, '939Mbit/s')),
});

export const hardwareProfileSchema = z.strictObject({
  apiVersion: z.literal(twinApiVersion),
  kind: z.literal('HardwareProfile'),
  metadata: z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes, e.g. pi4b-4gb'),
    displayName: z.string().min(1),
    aliases: z.array(z.string()).default([]),
  }),
  spec: z.strictObject({
    /** Board family, shared by memory variants (e.g. `pi4b`). */
    family: z.string().min(1),
    soc: z.string().min(1),
    /** The userland architecture a default OS image runs. */
    architecture: architectureSchema,
    /** Every architecture this board can run, e.g. arm64 boards also run 32-bit armv7 OS images. */
    supportedArchitectures: z.array(architectureSchema).min(1),
    cpu: z.strictObject({
      model: z.string().min(1),
      cores: sourced(count),
      clock: sourced(unitSchema(parseHertz, '1.5GHz')),
      /** Multi-core CPU throughput relative to a Raspberry Pi 3 Model B+ (= 1.0). */
      relativePerformance: sourced(positive),
    }),
    memory: sourced(unitSchema(parseBytes, '4Gi')).refine((m) => m.value > 0, { message: 'memory must be positive', path: ['value'] }),
    network: z.array(networkInterfaceSchema).min(1, 'a node needs at least one network interface'),
    storage: z.array(storageOptionSchema).min(1, 'a node needs at least one storage option'),
    power: z.strictObject({
      idle: sourced(unitSchema(parseWatts, '2.7W')),
      load: sourced(unitSchema(parseWatts, '6.4W')),
      /** Rating of the recommended power supply; the budget a node must stay under. */
      supply: sourced(unitSchema(parseWatts, '15W')),
      /** Whether a PoE HAT can power the board, and its budget. */
      poe: sourced(nonNegative.nullable()).optional(),
    }),
    bootTime: sourced(unitSchema(parseDuration, '25s')),
    price: sourced(nonNegative, { currency: z.literal('USD').default('USD') }),
  }),
});

/** A hardware profile as written in YAML. */
export type HardwareProfileInput = z.input<typeof hardwareProfileSchema>;
/** A validated profile; every value is in twin's base units (bytes, Hz, bytes/s, W, s). */
export type HardwareProfile = z.output<typeof hardwareProfileSchema>;
export type StorageOption = HardwareProfile['spec']['storage'][number];
export type NetworkInterface = HardwareProfile['spec']['network'][number];

/** Checks that need the whole profile: one default storage, consistent architectures. */
export const checkedHardwareProfileSchema = hardwareProfileSchema.superRefine((profile, ctx) => {
  const defaults = profile.spec.storage.filter((s) => s.default);
  if (defaults.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'storage'], message: 'at most one storage option may be the default' });
  }
  const names = new Set<string>();
  for (const [index, option] of profile.spec.storage.entries()) {
    if (names.has(option.name)) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'storage', index, 'name'], message: `duplicate storage option "${option.name}"` });
    }
    names.add(option.name);
  }
  if (!profile.spec.supportedArchitectures.includes(profile.spec.architecture)) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'architecture'], message: 'must be one of spec.supportedArchitectures' });
  }
  if (profile.spec.power.load.value < profile.spec.power.idle.value) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'power', 'load'], message: 'load power must not be below idle power' });
  }
});

/** Parses and validates one hardware profile document. */
export function parseProfile(data: unknown, file: string): HardwareProfile {
  return parseWith(checkedHardwareProfileSchema, data, file);
}

/** Typed identity for profiles written in TypeScript. */
export function defineProfile(profile: HardwareProfileInput): HardwareProfileInput {
  return profile;
}
