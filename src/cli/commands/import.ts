import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.js';
import { parseIniInventory, parseYamlInventory, clusterFromInventory } from '../../import/ansible.js';
import { importApiObjects, parseDump } from '../../import/api-objects.js';
import { clusterFromK3sConfigs, type K3sHostInput } from '../../import/k3s-config.js';
import { parseEnvFile } from '../../import/args.js';
import { readLiveCluster } from '../../import/kubeconfig.js';
import { clusterFromDocument } from '../../load/cluster.js';
import { resolveSettings } from '../../model/settings.js';
import { parseYamlDocuments } from '../../model/validation.js';
import { displayPath, readTextFile } from '../../load/files.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeFileAtomic } from '../../report/write.js';
import { renderTable, writeOut } from '../output.js';

interface ImportArgs {
  readonly inventory?: string;
  readonly 'group-vars'?: string;
  readonly k3s: string[];
  readonly env: string[];
  readonly from?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly profiles?: string;
  readonly 'default-profile'?: string;
  readonly name: string;
  readonly out?: string;
  readonly 'profiles-dir': string[];
}

function pairs(list: readonly string[] | string | undefined, option: string): Record<string, string> {
  const items = typeof list === 'string' ? list.split(',') : (list ?? []);
  const out: Record<string, string> = {};
  for (const item of items.map((i) => i.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw ConfigError.single(option, '', `"${item}" is not NAME=VALUE`, `write ${option} host=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import',
  describe: "Make a twin from what built or runs your cluster: a k3s-ansible inventory, K3s config files, a kubectl dump, or a live cluster",
  builder: (yargs: Argv) =>
    yargs
      .option('inventory', { type: 'string', describe: 'k3s-ansible inventory (inventory.yml or hosts.ini)' })
      .option('group-vars', { type: 'string', describe: 'group_vars/all.yml for an INI inventory' })
      .option('k3s', { type: 'string', array: true, default: [] as string[], describe: 'NODE=[server:|agent:]config.yaml, one per machine' })
      .option('env', { type: 'string', array: true, default: [] as string[], describe: 'NODE=install.env (INSTALL_K3S_EXEC, K3S_URL, K3S_TOKEN, INSTALL_K3S_VERSION)' })
      .option('from', { type: 'string', describe: 'kubectl get nodes,pods,deploy,sts,ds,svc,pvc,pv -A -o json > dump.json' })
      .option('kubeconfig', { type: 'string', describe: 'read a live cluster (list calls only; nothing is written to it)' })
      .option('context', { type: 'string', describe: 'kubeconfig context' })
      .option('profiles', { type: 'string', describe: 'host=profile,… (overrides twin_profile and inference)' })
      .option('default-profile', { type: 'string', describe: 'profile for hosts that name none' })
      .option('name', { type: 'string', default: 'imported', describe: 'name of the twin cluster' })
      .option('out', { alias: 'o', type: 'string', describe: 'output directory (default imported/<name>)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 import --inventory inventory.yml --profiles 192.168.1.26=pi4b-8gb', 'k3s-ansible, YAML form')
      .example('$0 import --from dump.json --name homelab', 'a kubectl dump of a running cluster'),
  handler: async (args) => {
    const sources = [args.inventory, args.k3s.length ? 'k3s' : undefined, args.from, args.kubeconfig].filter(Boolean);
    if (sources.length !== 1) throw ConfigError.single('twin import', '', sources.length ? 'give only one source' : 'no source given', 'use one of --inventory, --k3s, --from, --kubeconfig');
    const registry = ProfileRegistry.load(args['profiles-dir']);
    const profiles = pairs(args.profiles, '--profiles');
    const common = { name: args.name, profiles, ...(args['default-profile'] ? { defaultProfile: args['default-profile'] } : {}) };
    let cluster: Record<string, unknown>;
    let manifests: KubernetesObject[] = [];
    const notes: string[] = [];
    let source: string;
    if (args.inventory) {
      source = displayPath(args.inventory);
      const text = readTextFile(args.inventory);
      const groupVars = args['group-vars'] ? ((parseYamlDocuments(readTextFile(args['group-vars']), displayPath(args['group-vars']))[0]?.data ?? {}) as Record<string, unknown>) : {};
      const inventory = /\.ini$|(^|\/)hosts$/.test(args.inventory) || /^\s*\[/m.test(text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '') ? parseIniInventory(text, source, groupVars) : parseYamlInventory(text, source);
      const result = clusterFromInventory(inventory, source, common);
      cluster = result.cluster;
      notes.push(...result.notes);
    } else if (args.k3s.length) {
      source = args.k3s.join(', ');
      const envs = pairs(args.env, '--env');
      const inputs: K3sHostInput[] = Object.entries(pairs(args.k3s, '--k3s')).map(([name, value]) => {
        const role = /^(server|agent):/.exec(value)?.[1] as 'server' | 'agent' | undefined;
        const path = role ? value.slice(role.length + 1) : value;
        const config = (parseYamlDocuments(readTextFile(path), displayPath(path))[0]?.data ?? {}) as Record<string, unknown>;
        const envPath = envs[name];
        return { name, ...(role ? { role } : {}), config, ...(envPath ? { env: parseEnvFile(readTextFile(envPath)) } : {}) };
      });
      cluster = clusterFromK3sConfigs(inputs, source, common);
    } else {
      const items = args.from ? parseDump(readTextFile(args.from), displayPath(args.from)) : await readLiveCluster(args.kubeconfig ?? '', args.context);
      source = args.from ? displayPath(args.from) : `kubeconfig ${displayPath(args.kubeconfig ?? '')}`;
      const result = importApiObjects(items, source, registry.all(), { ...common, firmwareReserve: resolveSettings(33).firmwareMemoryReserve });
      cluster = result.cluster;
      manifests = result.manifests;
      writeOut(renderTable(['node', 'inferred profile', 'why', 'also possible'], result.inferences.map((i) => [i.node, i.inference.profile, i.inference.reason, i.inference.alternatives.join(', ') || '—'])));
      if (result.skipped.length) notes.push(`not imported: ${result.skipped.join('; ')}`);
    }
    // The result must load: profiles known, names unique, roles consistent.
    const out = args.out ?? join('imported', args.name);
    clusterFromDocument(cluster, `${source} → ${join(out, 'cluster.yaml')}`, { profiles: registry });
    mkdirSync(out, { recursive: true });
    writeFileAtomic(join(out, 'cluster.yaml'), `# Imported by twin from ${source}. Check each node's profile.\n${stringify(cluster, { lineWidth: 0 })}`);
    writeOut(`wrote ${join(out, 'cluster.yaml')} (${(cluster['spec'] as { nodes: unknown[] }).nodes.length} nodes)`);
    if (manifests.length) {
      mkdirSync(join(out, 'manifests'), { recursive: true });
      writeFileAtomic(join(out, 'manifests', 'workloads.yaml'), manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'));
      writeOut(`wrote ${join(out, 'manifests', 'workloads.yaml')} (${manifests.length} objects)`);
    }
    for (const note of notes) writeOut(`note: ${note}`);
    writeOut(`next: twin bringup ${join(out, 'cluster.yaml')}${manifests.length ? ` -w ${join(out, 'manifests')}` : ''}`);
  },
};
