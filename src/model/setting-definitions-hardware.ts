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
    source:
      'estimate: Raspberry Pi OS Lite at idle; range 60-94 MiB: low = estimate for a trimmed Lite image (no desktop, no ' +
      'avahi/bluetooth); high = 94 MiB used on a freshly booted Pi 4 with Debian 11 (neofetch, geerlingguy/sbc-reviews issue #4, U)',
    range: [60 * MiB, 94 * MiB],
  },
  k3sServerMemory: {
    kind: 'bytes',
    description: 'memory of the k3s server process (API server, controllers, scheduler, kine/SQLite, its own kubelet)',
    default: () => 512 * MiB,
    // Why not the current profile's 1215 M: that figure is `kubectl top node` on an 8 GB Pi 4, the working set
    // of the whole node (OS, page cache, and the packaged pods the model runs as pods of their own:
    // k3s-components.ts), with no memory pressure to make the kernel reclaim anything. The v1.19 profile
    // measured the k3s process itself (process_resident_memory_bytes), the quantity this setting is, and
    // user reports of the process on small hosts agree (k3s-io/k3s#3536: 535-565 MB, v1.21, 2 GB host).
    // On a 1 GB board the 1215 M figure cannot apply: it is more than the board has, yet K3s servers run there.
    source:
      'K3sDocs reference/resource-profiling, v1.19.2 profile (process_resident_memory_bytes): K3s cluster with a single agent ' +
      '512 M on a Pi 4 (calibration.md 2.4); k3s-io/k3s#3536 (U): 535-565 MB for the k3s server process, v1.21, 2 GB host. ' +
      'The current v1.26.5 profile (1215 M, Pi 4B 8 GB, kubectl top node) is a whole-node working set on a board with memory ' +
      'to spare, so it does not apply to a 1 GB board as a process size. Range 512 MiB-565 MB: low = the v1.19 process figure; ' +
      'high = k3s-io/k3s#3536 (U), the largest process size reported on a small host. The v1.26 whole-node figure less the OS ' +
      'and the packaged pods (about 1001 MiB) is not the high end: seed 000 runs its K3s server on a 1 GB Pi 3B+ (906 Mi capacity), ' +
      'which a process of that size could not',
    range: [512 * MiB, 565e6],
  },
  k3sEtcdExtraMemory: {
    kind: 'bytes',
    description: 'extra server memory with embedded etcd instead of SQLite',
    default: () => 198 * MiB,
    source:
      'derived: K3sDocs reference/resource-profiling v1.26.5, Pi 4B cluster with a single agent: 1413 M (etcd) - 1215 M (SQLite). ' +
      'Range 25-256 MiB: low = same profile, server with a workload 1613 M - 1588 M; ' +
      'high = v1.19.2 profile, cluster with a single agent 768 M - 512 M (calibration.md 2.4)',
    range: [25 * MiB, 256 * MiB],
  },
  k3sAgentMemory: {
    kind: 'bytes',
    description: 'memory of the k3s agent process (kubelet, containerd, flannel, kube-proxy)',
    default: () => 268 * MiB,
    // The v1.26 agent figure is `kubectl top node` too, so it includes the agent node's OS; unlike the server's it
    // barely depends on spare memory (v1.19 measured the process at 256 M), so it stands for a 1 GB board.
    source:
      'K3sDocs reference/resource-profiling v1.26.5: K3s agent 268 M on a Pi 4B 8 GB (calibration.md 2.4); v1.19.2: 256 M. ' +
      'Range 188-275 MiB: low = 268 M less the OS (osMemoryUsage 80 MiB), as that figure is a whole-node reading; ' +
      'high = 275 M, the same profile on an Intel 8375C',
    range: [188 * MiB, 275 * MiB],
  },
  k3sServerCpu: {
    kind: 'number',
    description: "CPU of the k3s server at rest, in millicores of a Pi 4 (scaled by each board's performance)",
    default: () => 250,
    source:
      'K3sDocs reference/resource-profiling v1.26.5: K3s cluster with a single agent, server 25 % of a Pi 4B core. ' +
      'Range 200-300: low = v1.19.2 profile 20 %; high = v1.26.5 server with a workload 30 % (calibration.md 2.4)',
    range: [200, 300],
  },
  k3sAgentCpu: {
    kind: 'number',
    description: 'CPU of the k3s agent at rest, in millicores of a Pi 4',
    default: () => 100,
    source:
      'K3sDocs reference/resource-profiling v1.26.5: K3s agent 10 % of a Pi 4B core (summary table; v1.19.2 also 10 %). ' +
      "Range 50-100: low = the same page's detail table, 5 %; high = the summary table, 10 %",
    range: [50, 100],
  },
  k3sServerStartTime: {
    kind: 'duration',
    description: 'k3s server start until the API answers, on a Pi 4 with microSD (scaled by CPU)',
    default: () => 30,
    source:
      'estimate: not documented (calibration.md 2.5); seed 001 states "fast startup (under 1 minute)". ' +
      'Range 21-112 s: low = controllers starting about 21 s after the unit starts on an armv7 Pi (k3s-io/k3s#2625, #2644, U); ' +
      'high = a Pi 4 server Ready at AGE 112 s (a Pi 4 k3s write-up, U), an upper bound as Ready comes after the API answers ' +
      '(calibration.md 7, K3s service start to node Ready)',
    range: [21, 112],
  },
  k3sAgentStartTime: {
    kind: 'duration',
    description: 'k3s agent start until the kubelet registers, on a Pi 4 (scaled by CPU)',
    default: () => 10,
    source:
      'estimate: not documented (calibration.md 2.5). Range 5-21 s: low = estimate, half the default (the agent starts only ' +
      "containerd, the kubelet and flannel); high = the server's 21 s to controllers on an armv7 Pi (k3s-io/k3s#2625, U, " +
      "calibration.md 7), as an agent does a subset of a server's start",
    range: [5, 21],
  },
  osPreparationTime: {
    kind: 'duration',
    description: 'install script preparing the OS before the cgroup reboot (apt packages, cmdline.txt), on a Pi 4',
    default: () => 20,
    source:
      'estimate: seed 000 scripts update the OS and enable cgroups ' +
      '(cgroup_memory=1 cgroup_enable=memory, calibration.md 2.5) before rebooting. ' +
      'Range 10-60 s: estimate, from editing cmdline.txt alone (low) to an apt package install on a microSD card (high)',
    range: [10, 60],
  },
  k3sBinarySize: {
    kind: 'bytes',
    description: 'size of the k3s binary the install script downloads',
    default: () => 70e6,
    source: 'estimate: k3s-arm64 release assets are about 60-70 MB; range 60-75 MB: the same estimate with a margin for newer releases',
    range: [60e6, 75e6],
  },
  nodeReadyAfterRegistration: {
    kind: 'duration',
    description: 'kubelet registration until it reports Ready (flannel CNI up), on a Pi 4 (scaled by CPU)',
    default: () => 5,
    source:
      'estimate: K3s writes the flannel CNI config once the node has its pod CIDR. Range 2-15 s: estimate, from one ' +
      'kubelet status post after the CNI config (low) to a slow flannel start on an SD-card node (high)',
    range: [2, 15],
  },
  podStopTime: {
    kind: 'duration',
    description: 'time a container takes to exit after SIGTERM (bounded by terminationGracePeriodSeconds)',
    default: () => 1,
    source:
      'estimate: typical services exit promptly on SIGTERM. Range 0.1-30 s: low = estimate, a process that exits at once; ' +
      'high = terminationGracePeriodSeconds default 30 s, when the kubelet sends SIGKILL (K8sDocs pod-lifecycle)',
    range: [0.1, 30],
  },
  containerStartTime: {
    kind: 'duration',
    description: 'sandbox and container create/start on a Pi 4 (scaled by CPU)',
    default: () => 1.5,
    source:
      'estimate: runc create + CNI setup; no Pi measurement published. Range 0.5-5 s: estimate, from a warm runc start ' +
      '(low) to a first sandbox with pause-image unpack and CNI setup on a microSD card (high)',
    range: [0.5, 5],
  },
  decompressRate: {
    kind: 'rate',
    description: 'gzip layer decompression on one Pi 4 core (scaled by CPU)',
    default: () => 60e6,
    source:
      'estimate: single-threaded gunzip on Cortex-A72; pulls are CPU- and IO-bound on Pis (K3sDocs reference/resource-profiling). ' +
      'Range 20-100 MB/s: low = the 10-20 MB/s effective microSD write that bounds extraction (calibration.md 5.2, derived); ' +
      'high = estimate, gzip output of one A72 core on highly compressible layers',
    range: [20e6, 100e6],
  },
  internetBandwidth: {
    kind: 'rate',
    description: 'downlink from the image registry to the site, shared by all nodes pulling at once',
    default: () => 100e6 / 8,
    source:
      'estimate: a 100 Mbit/s home or lab Internet line; set your own. Range 25-939 Mbit/s: low = the US FCC broadband ' +
      'benchmark of 2015-2024, 25 Mbit/s down; high = 939 Mbit/s, a Pi 4 Ethernet iperf3 (geerlingguy/sbc-reviews), ' +
      "as a pull cannot be faster than the node's own link",
    range: [25e6 / 8, 939e6 / 8],
  },
  shutdownTime: {
    kind: 'duration',
    description: 'orderly shutdown before a reboot',
    default: () => 5,
    source:
      'estimate: systemd stopping k3s and containers. Range 2-90 s: low = estimate; high = systemd DefaultTimeoutStopSec ' +
      '90 s (systemd-system.conf), after which a unit that will not stop is killed',
    range: [2, 90],
  },
  datastoreWritesPerRequest: {
    kind: 'number',
    description: 'synchronous disk writes (fsync) per datastore transaction',
    default: () => 3,
    source:
      'estimate: SQLite WAL commit and checkpoint; etcd WAL append and raft log. Range 1-5: low = one fsync of the WAL per ' +
      'commit (SQLite WAL mode, synchronous=FULL; etcd WAL fsync); high = estimate, WAL plus checkpoint plus backend commit ' +
      '(etcd FAQ: WAL fsync and backend commit are separate disk targets, calibration.md 7)',
    range: [1, 5],
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
    source:
      'estimate: single-node Docker install on an x86 host. Range 60-300 s: low = "wait a minute or two" (rancher/rancher#50661, U); ' +
      'high = 5 min, the wait a Rancher test harness was raised to (rancher/rancher PR #25653, U; calibration.md 7)',
    range: [60, 300],
  },
  rancherAgentConnectTime: {
    kind: 'duration',
    description: 'cattle-cluster-agent start until its tunnel to Rancher is up',
    default: () => 5,
    source:
      'estimate: ping check and websocket connect. Range 1-30 s: estimate, from one round of ping and connect (low) ' +
      'to a slow TLS handshake and cattle-cluster-agent start on a Pi 3 (high)',
    range: [1, 30],
  },
  bootJitter: {
    kind: 'number',
    description: 'relative jitter drawn from the seed on every modelled delay (0 = none)',
    default: () => 0.05,
    source: 'modelling choice: spreads simultaneous events the way real machines do',
  },
});
