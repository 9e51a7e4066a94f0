/**
 * Seed 000, first form: "EdgeStack-K3s", seven Raspberry Pi 3B+ (dcn1 control plane,
 * dcn2–dcn7 workers) on static IPs, imported into Rancher running on a separate host (dcn0).
 * Single server, SQLite datastore (the K3s default), no HA "by design".
 * The seed does not name dcn0's hardware; Rancher needs 4 GB and x86-64 for a supported
 * install, so it is modelled on an x86 mini PC.
 */
import { defineCluster } from 'twin';

const workers = ['dcn3', 'dcn4', 'dcn5', 'dcn6', 'dcn7'] as const;

export default defineCluster({
  name: 'edgestack-pi3',
  description: 'Seed 000: 7 × Raspberry Pi 3B+ (1 server, 6 agents) managed by Rancher on dcn0',
  k3s: { version: 'v1.31.4+k3s1', datastore: 'sqlite', serverArgs: ['--write-kubeconfig-mode=644'] },
  rancher: { node: 'dcn0', version: 'v2.9.3' },
  nodes: [
    { name: 'dcn0', profile: 'x86-minipc', role: 'rancher', ip: '192.168.1.100', description: 'Rancher in Docker' },
    { name: 'dcn1', profile: 'pi3bplus', role: 'server', ip: '192.168.1.101' },
    // dcn2 boots from a USB SSD and carries the database (label storage=ssd).
    { name: 'dcn2', profile: 'pi3bplus', role: 'agent', storage: 'usb-ssd', ip: '192.168.1.102', labels: { storage: 'ssd' } },
    ...workers.map((name, i) => ({ name, profile: 'pi3bplus', role: 'agent' as const, ip: `192.168.1.${103 + i}` })),
  ],
});
