/**
 * Hardware and K3s overhead settings: memory, CPU and start times of the machines and K3s processes,
 * network and disk rates, Rancher, and the jitter drawn on every delay.
 * Part of the settings table that `setting-definitions.ts` assembles; sources use the shorthand
 * described there. Pure module: no I/O, usable from the simulation core.
 */
import { define, MiB } from './setting-table.js';

export const hardwareSettings = define({
  // --- hardware and K3s overhead ---------------------------------------------------
  firmwareMemoryReserve: {
    kind: 'bytes',
    description: 'RAM the firmware (GPU split) and kernel keep; capacity = RAM minus this',
    default: () => 118 * MiB,
    source: 'derived: a 1 GB Pi 3B+ node reports about 906 Mi memory capacity (1024 - 906 Mi)',
  },
  osMemoryUsage: {
    kind: 'bytes',
    description: 'memory the OS (systemd, sshd, journald) uses outside Kubernetes',
    default: () => 80 * MiB,
    source: 'estimate: Raspberry Pi OS Lite at idle',
  },
  k3sServerMemory: {
    kind: 'bytes',
    description: 'memory of the k3s server process (API server, controllers, scheduler, kine/SQLite, its own kubelet)',
    default: () => 512 * MiB,
    source:
      'K3sDocs reference/resource-profiling, v1.19.2 profile: K3s cluster with a single agent 512 MB (calibration.md 2.4); ' +
      'the v1.26 profile (1215 MB) was taken on an 8 GB Pi where the Go heap is not under pressure',
  },
  k3sEtcdExtraMemory: {
    kind: 'bytes',
    description: 'extra server memory with embedded etcd instead of SQLite',
    default: () => 198 * MiB,
    source: 'derived: K3sDocs reference/resource-profiling, Pi 4B 1413 MB (etcd) - 1215 MB (SQLite)',
  },
  k3sAgentMemory: {
    kind: 'bytes',
    description: 'memory of the k3s agent process (kubelet, containerd, flannel, kube-proxy)',
    default: () => 268 * MiB,
    source: 'K3sDocs reference/resource-profiling: K3s agent 268 MB on a Pi 4B (calibration.md 2.4)',
  },
  k3sServerCpu: {
    kind: 'number',
    description: "CPU of the k3s server at rest, in millicores of a Pi 4 (scaled by each board's performance)",
    default: () => 250,
    source: 'K3sDocs reference/resource-profiling: server with one agent 25 % of a Pi 4B core',
  },
  k3sAgentCpu: {
    kind: 'number',
    description: 'CPU of the k3s agent at rest, in millicores of a Pi 4',
    default: () => 100,
    source: 'K3sDocs reference/resource-profiling: K3s agent 10 % of a Pi 4B core (summary table)',
  },
  k3sServerStartTime: {
    kind: 'duration',
    description: 'k3s server start until the API answers, on a Pi 4 with microSD (scaled by CPU)',
    default: () => 30,
    source: 'estimate: not documented (calibration.md 2.5); seed 001 states "fast startup (under 1 minute)"',
  },
  k3sAgentStartTime: {
    kind: 'duration',
    description: 'k3s agent start until the kubelet registers, on a Pi 4 (scaled by CPU)',
    default: () => 10,
    source: 'estimate: not documented (calibration.md 2.5)',
  },
  osPreparationTime: {
    kind: 'duration',
    description: 'install script preparing the OS before the cgroup reboot (apt packages, cmdline.txt), on a Pi 4',
    default: () => 20,
    source:
      'estimate: seed 000 scripts update the OS and enable cgroups ' +
      '(cgroup_memory=1 cgroup_enable=memory, calibration.md 2.5) before rebooting',
  },
  k3sBinarySize: {
    kind: 'bytes',
    description: 'size of the k3s binary the install script downloads',
    default: () => 70e6,
    source: 'estimate: k3s-arm64 release assets are about 60-70 MB',
  },
  nodeReadyAfterRegistration: {
    kind: 'duration',
    description: 'kubelet registration until it reports Ready (flannel CNI up), on a Pi 4 (scaled by CPU)',
    default: () => 5,
    source: 'estimate: K3s writes the flannel CNI config once the node has its pod CIDR',
  },
  podStopTime: {
    kind: 'duration',
    description: 'time a container takes to exit after SIGTERM (bounded by terminationGracePeriodSeconds)',
    default: () => 1,
    source: 'estimate: typical services exit promptly on SIGTERM',
  },
  containerStartTime: {
    kind: 'duration',
    description: 'sandbox and container create/start on a Pi 4 (scaled by CPU)',
    default: () => 1.5,
    source: 'estimate: runc create + CNI setup; no Pi measurement published',
  },
  decompressRate: {
    kind: 'rate',
    description: 'gzip layer decompression on one Pi 4 core (scaled by CPU)',
    default: () => 60e6,
    source: 'estimate: single-threaded gunzip on Cortex-A72; pulls are CPU- and IO-bound on Pis (K3sDocs reference/resource-profiling)',
  },
  internetBandwidth: {
    kind: 'rate',
    description: 'downlink from the image registry to the site, shared by all nodes pulling at once',
    default: () => 100e6 / 8,
    source: 'estimate: a 100 Mbit/s home or lab Internet line; set your own',
  },
  shutdownTime: {
    kind: 'duration',
    description: 'orderly shutdown before a reboot',
    default: () => 5,
    source: 'estimate: systemd stopping k3s and containers',
  },
  datastoreWritesPerRequest: {
    kind: 'number',
    description: 'synchronous disk writes (fsync) per datastore transaction',
    default: () => 3,
    source: 'estimate: SQLite WAL commit and checkpoint; etcd WAL append and raft log',
  },
  etcdElectionTimeout: {
    kind: 'duration',
    description: 'etcd election timeout; a leader whose disk stalls longer loses leadership',
    default: () => 1,
    source: 'etcd docs tuning: --election-timeout default 1000 ms',
  },
  rancherStartTime: {
    kind: 'duration',
    description: 'Rancher server container start until its UI and API answer',
    default: () => 120,
    source: 'estimate: single-node Docker install on an x86 host',
  },
  rancherAgentConnectTime: {
    kind: 'duration',
    description: 'cattle-cluster-agent start until its tunnel to Rancher is up',
    default: () => 5,
    source: 'estimate: ping check and websocket connect',
  },
  bootJitter: {
    kind: 'number',
    description: 'relative jitter drawn from the seed on every modelled delay (0 = none)',
    default: () => 0.05,
    source: 'modelling choice: spreads simultaneous events the way real machines do',
  },
});
