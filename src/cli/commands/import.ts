import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.js';
import { clusterFromInventory, inventoryMachines, parseIniInventory, parseYamlInventory } from '../../import/ansible.js';
import { canonicalProfile, checkFlagHosts, checkFlagProfiles, defaultedVersionNote } from '../../import/hosts.js';
import { importApiObjects, parseDump } from '../../import/api-objects.js';
import { clusterFromK3sConfigs, type K3sHostInput } from '../../import/k3s-config.js';
import { parseEnvFile } from '../../import/args.js';
import { readLiveCluster } from '../../import/kubeconfig.js';
import { calibrateToFile } from './calibrate.js';
import { clusterFromDocument } from '../../load/cluster.js';
import { resolveSettings } from '../../model/settings.js';
import { parseYamlDocuments } from '../../model/validation.js';
import { displayPath, readTextFile } from '../../load/files.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeAllOrNothing, writeFileAtomic } from '../../report/write.js';
import { nonEmpty } from '../flags.js';
import { pairs } from '../pairs.js';
import { renderTable, writeErr, writeOut } from '../output.js';

interface ImportArgs {
  readonly inventory?: string;
  readonly 'group-vars'?: string;
  readonly k3s: string[];
  readonly env: string[];
  readonly from?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly calibrate: boolean;
  readonly profiles?: string;
  readonly 'default-profile'?: string;
  readonly name: string;
  readonly out?: string;
  readonly 'profiles-dir': string[];
}

/** A flag that means something only beside another is an error alone, not silently ignored. */
function onlyWith(given: boolean, flag: string, partner: string, partnerGiven: boolean): void {
  if (given && !partnerGiven) throw ConfigError.single(flag, '', `only applies with ${partner}`, `add ${partner}, or drop ${flag}`);
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import',
  describe:
    'Make a twin from what built or runs your cluster: a k3s-ansible inventory, K3s config files, a kubectl dump, or a live cluster',
  builder: (yargs: Argv) =>
    yargs
      .option('inventory', { type: 'string', describe: 'k3s-ansible inventory (inventory.yml or hosts.ini)' })
      .option('group-vars', { type: 'string', describe: 'group_vars/all.yml for an INI inventory' })
      .option('k3s', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'NODE=[server:|agent:]config.yaml, one per machine',
      })
      .option('env', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'NODE=install.env (INSTALL_K3S_EXEC, K3S_URL, K3S_TOKEN, INSTALL_K3S_VERSION)',
      })
      .option('from', { type: 'string', describe: 'kubectl get nodes,pods,deploy,sts,ds,svc,pvc,pv -A -o json > dump.json' })
      .option('kubeconfig', { type: 'string', describe: 'read a live cluster (list calls only; nothing is written to it)' })
      .option('context', { type: 'string', describe: 'kubeconfig context' })
      .option('calibrate', {
        type: 'boolean',
        default: false,
        describe:
          'with --kubeconfig: also measure the cluster into <out>/calibration.yaml (twin calibrate) and point spec.calibration at it',
      })
      .option('profiles', { type: 'string', describe: 'host=profile,… (overrides twin_profile and inference)' })
      .option('default-profile', { type: 'string', describe: 'profile for every host that names none (twin profiles lists them)' })
      .option('name', {
        type: 'string',
        default: 'imported',
        coerce: (v: unknown) => nonEmpty('--name', v, 'a cluster name'),
        describe: 'name of the twin cluster',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        coerce: (v: unknown) => nonEmpty('--out', v, 'a directory'),
        describe: 'output directory (default: imported/<name>/)',
      })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 import --inventory inventory.yml --profiles 192.168.1.26=pi4b-8gb', 'k3s-ansible, YAML form')
      .example('$0 import --from dump.json --name homelab', 'a kubectl dump of a running cluster'),
  handler: async (args) => {
    const sources = [args.inventory, args.k3s.length ? 'k3s' : undefined, args.from, args.kubeconfig].filter(Boolean);
    if (sources.length !== 1)
      throw ConfigError.single(
        'twin import',
        '',
        sources.length ? 'give only one source' : 'no source given',
        'use one of --inventory, --k3s, --from, --kubeconfig',
      );
    onlyWith(args.env.length > 0, '--env', '--k3s', args.k3s.length > 0);
    onlyWith(args['group-vars'] !== undefined, '--group-vars', '--inventory', args.inventory !== undefined);
    onlyWith(args.context !== undefined, '--context', '--kubeconfig', args.kubeconfig !== undefined);
    onlyWith(args.calibrate, '--calibrate', '--kubeconfig', args.kubeconfig !== undefined);
    const registry = ProfileRegistry.load(args['profiles-dir']);
    const given = pairs(args.profiles, '--profiles');
    const defaultProfile = args['default-profile'];
    checkFlagProfiles(given, defaultProfile, registry);
    const profiles = Object.fromEntries(Object.entries(given).map(([host, profile]) => [host, canonicalProfile(profile, registry)]));
    const common = {
      name: args.name,
      profiles,
      registry,
      ...(defaultProfile ? { defaultProfile: canonicalProfile(defaultProfile, registry) } : {}),
    };
    let cluster: Record<string, unknown>;
    let manifests: KubernetesObject[] = [];
    const notes: string[] = [];
    const warnings: string[] = [];
    let source: string;
    let inferred: Record<string, string> = {};
    if (args.inventory) {
      source = displayPath(args.inventory);
      const text = readTextFile(args.inventory);
      const groupVars = args['group-vars']
        ? ((parseYamlDocuments(readTextFile(args['group-vars']), displayPath(args['group-vars']))[0]?.data ?? {}) as Record<
            string,
            unknown
          >)
        : {};
      const inventory =
        /\.ini$|(^|\/)hosts$/.test(args.inventory) ||
        /^\s*\[/m.test(text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '')
          ? parseIniInventory(text, source, groupVars)
          : parseYamlInventory(text, source);
      checkFlagHosts('--profiles', given, inventoryMachines(inventory), source);
      const result = clusterFromInventory(inventory, source, common);
      cluster = result.cluster;
      notes.push(...result.notes);
      warnings.push(...result.warnings);
    } else if (args.k3s.length) {
      source = args.k3s.join(', ');
      const configs = pairs(args.k3s, '--k3s');
      const envs = pairs(args.env, '--env');
      checkFlagHosts('--env', envs, Object.keys(configs), '--k3s');
      checkFlagHosts('--profiles', given, Object.keys(configs), '--k3s');
      const inputs: K3sHostInput[] = Object.entries(configs).map(([name, value]) => {
        const role = /^(server|agent):/.exec(value)?.[1] as 'server' | 'agent' | undefined;
        const path = role ? value.slice(role.length + 1) : value;
        const config = (parseYamlDocuments(readTextFile(path), displayPath(path))[0]?.data ?? {}) as Record<string, unknown>;
        if (typeof config !== 'object' || Array.isArray(config))
          throw ConfigError.single(
            displayPath(path),
            '',
            'not a K3s config.yaml (expected a mapping of flag names to values)',
            'give the file /etc/rancher/k3s/config.yaml of that machine',
          );
        const envPath = envs[name];
        return { name, ...(role ? { role } : {}), config, ...(envPath ? { env: parseEnvFile(readTextFile(envPath)) } : {}) };
      });
      const result = clusterFromK3sConfigs(inputs, source, common);
      cluster = result.cluster;
      warnings.push(...result.warnings);
    } else {
      const items = args.from
        ? parseDump(readTextFile(args.from), displayPath(args.from))
        : await readLiveCluster(args.kubeconfig ?? '', args.context);
      source = args.from ? displayPath(args.from) : `kubeconfig ${displayPath(args.kubeconfig ?? '')}`;
      checkFlagHosts(
        '--profiles',
        given,
        items.filter((i) => i.kind === 'Node').map((i) => i.metadata?.name ?? ''),
        source,
      );
      const result = importApiObjects(items, source, registry.all(), {
        ...common,
        firmwareReserve: resolveSettings(33).firmwareMemoryReserve,
      });
      cluster = result.cluster;
      manifests = result.manifests;
      inferred = Object.fromEntries(result.inferences.map((i) => [i.node, i.inference.profile]));
      writeOut(
        renderTable(
          ['node', 'inferred profile', 'why', 'also possible'],
          result.inferences.map((i) => [i.node, i.inference.profile, i.inference.reason, i.inference.alternatives.join(', ') || '—']),
        ),
      );
      if (result.skipped.length) notes.push(`not imported: ${result.skipped.join('; ')}`);
      if (!(cluster['spec'] as { k3s: { version?: string } }).k3s.version)
        warnings.push(defaultedVersionNote(source, 'no server reported its kubelet version'));
    }
    // The result must load: profiles known, names unique, roles consistent.
    const out = args.out ?? join('imported', args.name);
    const label = `${source} → ${join(out, 'cluster.yaml')}`;
    clusterFromDocument(cluster, label, { profiles: registry });
    const calibration = join(out, 'calibration.yaml');
    const clusterFile = join(out, 'cluster.yaml');
    const manifestsFile = join(out, 'manifests', 'workloads.yaml');
    // One import, one set of files: a failure half-way puts back whatever of them it had written.
    await writeAllOrNothing([calibration, clusterFile, manifestsFile], async () => {
      if (args.calibrate && args.kubeconfig) {
        // The nodes' profiles as imported, so the calibration pools them as the cluster spec names them.
        await calibrateToFile({
          kubeconfig: args.kubeconfig,
          ...(args.context ? { context: args.context } : {}),
          since: 24 * 3600,
          out: calibration,
          profiles: inferred,
          registry,
          outFlag: '--out',
        });
        // spec.calibration is relative to the cluster file, which sits beside it; check that the two load together.
        clusterFromDocument(cluster, label, { profiles: registry, calibration });
        cluster = { ...cluster, spec: { ...(cluster['spec'] as Record<string, unknown>), calibration: './calibration.yaml' } };
      }
      for (const warning of warnings) writeErr(`note: ${warning}`);
      writeFileAtomic(
        clusterFile,
        `# Imported by twin from ${source}. Check each node's profile.\n${stringify(cluster, { lineWidth: 0 })}`,
        { flag: '--out' },
      );
      if (manifests.length)
        writeFileAtomic(manifestsFile, manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'), { flag: '--out' });
    });
    writeOut(`wrote ${clusterFile} (${(cluster['spec'] as { nodes: unknown[] }).nodes.length} nodes)`);
    if (manifests.length) writeOut(`wrote ${manifestsFile} (${manifests.length} objects)`);
    for (const note of notes) writeOut(`note: ${note}`);
    writeOut(`next: twin bringup ${join(out, 'cluster.yaml')}${manifests.length ? ` -w ${join(out, 'manifests')}` : ''}`);
  },
};
