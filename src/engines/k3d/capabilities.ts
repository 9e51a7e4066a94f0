/**
 * What a node image can run, as the image itself declares it. scripts/build-k3s-image.sh writes
 * node-image/capabilities.json into twin's node image (the `twin.dev/capabilities` label and
 * /etc/twin/capabilities.json), so the engine refuses a scenario the image cannot reproduce
 * before anything starts, rather than running something other than what the scenario says.
 */
import { z } from 'zod';
import { packagedComponents, type PackagedComponent } from '../../model/k3s-components.js';

export const capabilitiesLabel = 'twin.dev/capabilities';

const capabilitiesSchema = z.object({
  /** K3s datastores a server can run on: `sqlite` (kine), `embedded-etcd` (--cluster-init), `external` (--datastore-endpoint). */
  datastores: z.array(z.enum(['sqlite', 'embedded-etcd', 'external'])),
  /** The most servers one cluster can have (0: no limit). */
  maxServers: z.number().int().nonnegative(),
  /** K3s's packaged components the server deploys (K3s `manifests/`), `--disable` honoured. */
  components: z.array(z.enum(packagedComponents)),
  /**
   * The datastore and local-path volumes sit on twin-slowfs at the board's write latency, which a
   * slow-storage fault changes (node-image/slowfs). Images built before it say nothing: false.
   */
  storageLatency: z.boolean().default(false),
  /**
   * A node a disk-full fault names has its kubelet directory on an ext4 disk of its own (a sparse
   * image through a loop device) that the fault fills (node-image/entrypoint). Older images: false.
   */
  diskFill: z.boolean().default(false),
  /**
   * twin-netq (node-image/netq) delays and drops the packets a node sends, as a link-degrade's delay and loss ask,
   * through an NFQUEUE rule in the node's own network namespace (this kernel's tc has no netem). Older images: false.
   */
  linkImpairment: z.boolean().default(false),
});

export interface NodeImageCapabilities extends z.infer<typeof capabilitiesSchema> {
  /** Where these were read: the image's label, K3s itself, or the assumption made without an image. */
  readonly source: string;
}

/**
 * A real K3s image (`rancher/k3s`) has everything K3s ships (K3sDocs "Packaged Components",
 * "High Availability Embedded etcd", "Cluster Datastore").
 */
export function k3sCapabilities(image: string): NodeImageCapabilities {
  return {
    source: `${image} (K3s itself)`,
    datastores: ['sqlite', 'embedded-etcd', 'external'],
    maxServers: 0,
    components: [...packagedComponents],
    storageLatency: false,
    diskFill: false,
    linkImpairment: false,
  };
}

/**
 * What twin's first node image had, before images declared their capabilities: one server on
 * SQLite and the local-path provisioner. Also what a dry run assumes when no node image is here.
 */
export function minimalCapabilities(source: string): NodeImageCapabilities {
  return {
    source,
    datastores: ['sqlite'],
    maxServers: 1,
    components: ['local-storage'],
    storageLatency: false,
    diskFill: false,
    linkImpairment: false,
  };
}

/**
 * The capabilities in an image's labels (`docker image inspect --format '{{json .Config.Labels}}'`),
 * or the minimal set when the image has no such label or one this version of twin cannot read.
 */
export function capabilitiesFromLabels(image: string, labels: Readonly<Record<string, string>> | null): NodeImageCapabilities {
  const raw = labels?.[capabilitiesLabel];
  if (raw === undefined) return minimalCapabilities(`${image} (no ${capabilitiesLabel} label: twin's first node image)`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = null;
  }
  const parsed = capabilitiesSchema.safeParse(json);
  if (!parsed.success)
    return minimalCapabilities(`${image} (its ${capabilitiesLabel} label is not readable by this twin: rebuild the image)`);
  return { source: `${image} (label ${capabilitiesLabel})`, ...parsed.data };
}

/** One line for `twin doctor` and dry runs: what the image runs. */
export function describeCapabilities(c: NodeImageCapabilities): string {
  const servers = c.maxServers === 0 ? 'any number of servers' : `at most ${c.maxServers} server${c.maxServers === 1 ? '' : 's'}`;
  const missing = packagedComponents.filter((p: PackagedComponent) => !c.components.includes(p));
  return (
    `datastores ${c.datastores.join(', ')}; ${servers}; packaged components ${c.components.join(', ') || 'none'}` +
    (missing.length ? ` (not: ${missing.join(', ')})` : '') +
    `; storage latency ${c.storageLatency ? 'emulated (twin-slowfs)' : 'not emulated'}` +
    `; disk-full ${c.diskFill ? "fills a disk of the node's own" : 'refused'}`
  );
}
