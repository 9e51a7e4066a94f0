import { z } from 'zod';
import { twinApiVersion, architectureSchema } from './hardware-profile.js';
import { settingDefinitions, type SettingName } from './setting-definitions.js';
import type { SettingDefinition } from './setting-table.js';
import { unitSchema } from './validation.js';
import { parseBytes, parseDuration, parseRate } from './units.js';

/** RFC 1123 label, as Kubernetes requires for node names. */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lower-case RFC 1123 name (letters, digits, dashes), e.g. dcn1')
  .max(63);

const ipv4 = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'must be an IPv4 address such as 192.168.1.101');

export const nodeRoleSchema = z.enum(['server', 'agent', 'rancher', 'external']);
export type NodeRole = z.infer<typeof nodeRoleSchema>;

/**
 * What a machine outside Kubernetes (role external) serves to the cluster. The k3d engine runs
 * each as Debian's package in the host's container (node-image/external); the sim engine only
 * needs to know the host is there.
 */
export const externalServiceSchema = z.enum(['mariadb', 'nfs', 'haproxy']);
export type ExternalService = z.infer<typeof externalServiceSchema>;

export const taintEffectSchema = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

const taintObject = z.strictObject({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: taintEffectSchema,
});

/** A taint object, or `key=value:Effect` / `key:Effect` as `k3s server --node-taint` and kubectl take them. */
export const taintSchema = z.union([z.string(), taintObject]).transform((input, ctx) => {
  if (typeof input !== 'string') return input;
  const match = /^([^=:\s]+)(?:=([^:\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(input);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${input}" is not a taint; write key=value:NoSchedule, key:NoExecute or PreferNoSchedule` });
    return z.NEVER;
  }
  const [, key = '', value, effect] = match;
  return { key, ...(value !== undefined ? { value } : {}), effect: effect as z.infer<typeof taintEffectSchema> };
});
export type Taint = z.infer<typeof taintObject>;

const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelsSchema = z.record(z.string().regex(labelKey, 'is not a valid label key'), z.string().max(63));

/**
 * zram compression algorithms a Pi's kernel offers (`/sys/block/zram0/comp_algorithm`); lzo-rle is the
 * kernel's default since 5.1 (Linux drivers/block/zram/zram_drv.c, CONFIG_ZRAM_DEF_COMP).
 */
export const zramAlgorithmSchema = z.enum(['lzo-rle', 'lz4', 'zstd']);
export type ZramAlgorithm = z.infer<typeof zramAlgorithmSchema>;

/**
 * Swap below Kubernetes (seed 000's "Edge-Pulse": zram plus a disk-backed swap file). What the
 * kubelet does with it (`failSwapOn`, `swapBehavior`) is in `src/sim/swap.ts`.
 */
export const nodeSwapSchema = z.strictObject({
  /** A compressed swap device in RAM: `size` is its disksize (pages it holds before compression). */
  zram: z
    .strictObject({
      size: unitSchema(parseBytes, '512Mi'),
      /** Bytes of pages per byte of RAM they take once compressed; default by algorithm (measured figures). */
      compressionRatio: z.number().min(1, 'a compression ratio is at least 1 (1 = incompressible)').max(10).optional(),
      algorithm: zramAlgorithmSchema.optional(),
    })
    .optional(),
  /** A swap file on one of the profile's storage options (the node's own storage when omitted). */
  file: z
    .strictObject({
      size: unitSchema(parseBytes, '1Gi'),
      storage: z.string().optional(),
    })
    .optional(),
  /**
   * The kubelet's `memorySwap.swapBehavior` on this node: `NoSwap` (the kubelet's default; K3s sets none)
   * or `LimitedSwap` (Burstable pods get swap in proportion to their memory request).
   */
  swapBehavior: z.enum(['NoSwap', 'LimitedSwap']).optional(),
});

export const nodeSchema = z.strictObject({
  name: dnsLabel,
  /** A hardware profile name or alias (`twin profiles` lists them). */
  profile: z.string().min(1),
  role: nodeRoleSchema,
  /** Storage option of the profile; its default when omitted. */
  storage: z.string().optional(),
  /** Network interface of the profile (e.g. `wlan0`); the first one when omitted. */
  network: z.string().optional(),
  /** Userland architecture when it differs from the profile's default (e.g. armv7 for a 32-bit OS). */
  architecture: architectureSchema.optional(),
  ip: ipv4.optional(),
  labels: labelsSchema.default({}),
  taints: z.array(taintSchema).default([]),
  description: z.string().optional(),
  /** Swap devices on this host (zram, a swap file) and the kubelet's swap behaviour. */
  swap: nodeSwapSchema.optional(),
  /** Role external only: the services this machine runs for the cluster (none listed: a plain host). */
  services: z.array(externalServiceSchema).optional(),
  /** Per-host install differences (k3s-ansible host vars): a different version or token. */
  k3s: z
    .strictObject({
      version: z
        .string()
        .regex(/^v1\.(\d+)\.(\d+)(\+k3s\d+)?$/, 'must be a K3s version such as v1.31.4+k3s1')
        .optional(),
      token: z.string().optional(),
    })
    .optional(),
});

export const datastoreSchema = z.enum(['sqlite', 'embedded-etcd', 'external']);
export type Datastore = z.infer<typeof datastoreSchema>;

const k3sVersion = z.string().regex(/^v1\.(\d+)\.(\d+)(\+k3s\d+)?$/, 'must be a K3s version such as v1.31.4+k3s1');

export const k3sSchema = z.strictObject({
  version: k3sVersion.optional(),
  /** Omitted: sqlite for one server, embedded etcd for more (what `--cluster-init` users get). */
  datastore: datastoreSchema.optional(),
  /** For `datastore: external`: the node that hosts the database, or an endpoint URL. */
  externalDatastore: z
    .strictObject({
      node: z.string().optional(),
      endpoint: z.string().optional(),
    })
    .optional(),
  token: z.string().optional(),
  /**
   * The address agents are given as `--server` / K3S_URL (K3s's fixed registration address): a
   * server, or a machine with role external running haproxy in front of the servers, by node name,
   * IP or `https://<ip or name>:6443`. Omitted: the first server.
   */
  registrationAddress: z.string().min(1).optional(),
  serverArgs: z.array(z.string()).default([]),
  agentArgs: z.array(z.string()).default([]),
});

export const rancherSchema = z.strictObject({
  /** The node with role `rancher` that runs the Rancher server. */
  node: z.string().min(1),
  version: z.string().default('v2.9.3'),
});

function settingSchema(definition: SettingDefinition): z.ZodType {
  switch (definition.kind) {
    case 'duration':
      return unitSchema(parseDuration, '40s');
    case 'number':
      return definition.maximum === undefined ? z.number().nonnegative() : z.number().nonnegative().max(definition.maximum);
    case 'boolean':
      return z.boolean();
    case 'bytes':
      return unitSchema(parseBytes, '512Mi');
    case 'rate':
      return unitSchema(parseRate, '100Mbit/s');
    case 'bytes-or-none':
      return z.union([z.literal('none').transform(() => null), z.null(), unitSchema(parseBytes, '100Mi')]);
  }
}

const settingsShape = Object.fromEntries(
  Object.entries(settingDefinitions).map(([name, definition]) => [name, settingSchema(definition).optional()]),
) as Record<SettingName, z.ZodOptional<z.ZodType>>;

/** Per-cluster overrides of the model's Kubernetes/K3s constants. */
export const settingsOverrideSchema = z.strictObject(settingsShape);

/** The body of a cluster spec; shared by the YAML form (under `spec`) and `defineCluster()`. */
export const clusterSpecSchema = z.strictObject({
  k3s: k3sSchema.default({ serverArgs: [], agentArgs: [] }),
  nodes: z.array(nodeSchema).min(1, 'a cluster needs at least one node'),
  rancher: rancherSchema.optional(),
  /** Directories of extra hardware profiles, relative to the cluster file. */
  profileDirs: z.array(z.string()).default([]),
  /** A `kind: Calibration` file from `twin calibrate`, relative to the cluster file: measured figures over the model's defaults. */
  calibration: z.string().min(1).optional(),
  settings: settingsOverrideSchema.default({}),
  /** How the real bring-up goes (seed 000's scripts, k3s-ansible). */
  bringUp: z
    .strictObject({
      /** Enable memory cgroups in cmdline.txt and reboot before installing K3s (Raspberry Pi OS). */
      prepareOs: z.boolean().default(true),
      /** Download the k3s binary with the install script (false: air-gapped, binary already present). */
      downloadK3s: z.boolean().default(true),
    })
    .default({ prepareOs: true, downloadK3s: true }),
});

export const clusterDocumentSchema = z.strictObject({
  apiVersion: z.literal(twinApiVersion),
  kind: z.literal('Cluster'),
  metadata: z.strictObject({
    name: dnsLabel,
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: clusterSpecSchema,
});

/** The TypeScript form: metadata fields at the top level beside the spec. */
export const clusterDefinitionSchema = clusterSpecSchema.extend({
  name: dnsLabel,
  description: z.string().optional(),
});

export type ClusterDocumentInput = z.input<typeof clusterDocumentSchema>;
export type ClusterSpecParsed = z.output<typeof clusterSpecSchema>;
