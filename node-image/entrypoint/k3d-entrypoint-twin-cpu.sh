#!/bin/sh
# The board's CPU speed from the container's first start (node-image/README.md, "Pi speed from the
# first start"): twin's k3d config sets TWIN_CPU_QUOTA_US per node (the board's sysbench throughput
# in host-core time per 100 ms, as `docker update --cpus` sets it later), and this script, run by
# k3d's entrypoint before K3s starts, writes it into the container's own CPU cgroup, so bring-up,
# K3s restarts and power-ons run at the board's speed, not the host's.
set -eu
quota=${TWIN_CPU_QUOTA_US:-}
if [ -z "$quota" ]; then
  echo "twin cpu: TWIN_CPU_QUOTA_US not set, the host's speed until twin throttles the node"
  exit 0
fi
for dir in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do
  if [ -w "$dir/cpu.cfs_quota_us" ]; then
    echo 100000 > "$dir/cpu.cfs_period_us"
    echo "$quota" > "$dir/cpu.cfs_quota_us"
    echo "twin cpu: $quota us per 100 ms ($dir)"
    exit 0
  fi
done
# cgroup v2: the container's own cgroup is the root of its namespace.
if [ -w /sys/fs/cgroup/cpu.max ]; then
  echo "$quota 100000" > /sys/fs/cgroup/cpu.max
  echo "twin cpu: $quota us per 100 ms (cgroup v2)"
  exit 0
fi
echo "twin cpu: no writable CPU cgroup; the node starts at the host's speed" >&2
exit 0
