#!/bin/sh
# The node's storage at its board's write latency (node-image/README.md, "Storage at the board's
# latency"): k3d's entrypoint runs every /bin/k3d-entrypoint-*.sh before it starts K3s, so the
# datastore and the local-path volumes sit on twin-slowfs from the container's first start, and
# again after every restart (a power cycle). TWIN_STORAGE_LATENCY (twin's k3d config sets it per
# node: one 4 KiB write at the storage's random-write IOPS) turns it on; a slow-storage fault writes
# /etc/twin/storage-latency and sends twin-slowfs SIGHUP.
set -eu
latency=${TWIN_STORAGE_LATENCY:-}
if [ -z "$latency" ]; then
  echo "twin storage: TWIN_STORAGE_LATENCY not set, the host's disk as it is"
  exit 0
fi
if grep -q ' fuse.twin-slowfs ' /proc/mounts; then
  echo "twin storage: already mounted"
  exit 0
fi
if [ ! -c /dev/fuse ]; then
  # twin doctor says so too; a slow-storage fault then fails on this node, loudly (no twin-slowfs to signal).
  echo "twin storage: no /dev/fuse, the host's disk as it is (not the board's latency)" >&2
  exit 0
fi
pairs=""
for dir in /var/lib/rancher/k3s/server/db /var/lib/rancher/k3s/storage; do
  src=/var/lib/twin-storage$dir
  mkdir -p "$src" "$dir"
  pairs="$pairs $src $dir"
done
# A session of its own: it outlives this script and K3s's restarts, and dies with the container.
# shellcheck disable=SC2086
setsid /usr/local/bin/twin-slowfs -latency "$latency" -latency-file /etc/twin/storage-latency $pairs \
  >>/var/log/twin-slowfs.log 2>&1 </dev/null &
slowfs=$!
for _ in $(seq 1 100); do
  [ "$(grep -c ' fuse.twin-slowfs ' /proc/mounts)" -ge 2 ] && { echo "twin storage: $latency per synchronous write"; exit 0; }
  sleep 0.1
done
# Mounting was refused (a user-namespaced or confined Docker): K3s starts on the host's disk rather than not at
# all; a slow-storage fault then fails on this node, loudly (no twin-slowfs to signal).
kill "$slowfs" 2>/dev/null || true
for dir in /var/lib/rancher/k3s/server/db /var/lib/rancher/k3s/storage; do umount -l "$dir" 2>/dev/null || true; done
echo "twin storage: twin-slowfs did not mount, the host's disk as it is (see /var/log/twin-slowfs.log)" >&2
tail -5 /var/log/twin-slowfs.log >&2 || true
exit 0
