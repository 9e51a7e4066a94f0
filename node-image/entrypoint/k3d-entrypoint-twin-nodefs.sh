#!/bin/sh
# The kubelet's node filesystem on a disk of the node's own (node-image/README.md, "A disk that
# fills"): /var/lib/kubelet is otherwise an anonymous Docker volume on the host's disk, and filling
# it would fill the host's. With TWIN_NODEFS set (twin's k3d config sets it on the nodes a
# disk-full fault names) it is an ext4 file system in a sparse image as large as that disk, mounted
# through a loop device: the kubelet sees the same capacity (ephemeral-storage), and a disk-full
# fault fills it with `fallocate`, which marks blocks used without writing them (the host's disk
# grows by the metadata only). The image lives in the container and survives its restarts, as a
# board's card keeps a full disk full across a power cycle. The loop device is set to clear itself
# (mount -o loop): it is released when the mount goes, and the mount goes with the container.
set -eu
if [ -z "${TWIN_NODEFS:-}" ]; then
  echo "twin nodefs: TWIN_NODEFS not set, the kubelet's directory on the host's disk as it is"
  exit 0
fi
dir=/var/lib/kubelet
image=/var/lib/twin-nodefs/kubelet.img
mkdir -p "$dir" "${image%/*}"
if awk -v dir="$dir" '$2 == dir && $1 ~ /^\/dev\/loop/ { found = 1 } END { exit !found }' /proc/mounts; then
  echo "twin nodefs: already mounted"
  exit 0
fi
if [ ! -f "$image" ]; then
  size=$(df -P -k "$dir" | awk 'NR == 2 { print $2 }')
  case "$size" in '' | *[!0-9]*) size=33554432 ;; esac
  # No journal and one inode a MiB: nothing written ahead of use (lazy init), so the sparse image stays small.
  if ! { truncate -s "${size}k" "$image" && mkfs.ext4 -q -F -m 0 -i 1048576 -O ^has_journal \
    -E lazy_itable_init=1,lazy_journal_init=1 -L twin-nodefs "$image"; }; then
    rm -f "$image"
    echo "twin nodefs: could not make $image, $dir left on the host's disk (a disk-full fault fails on this node)" >&2
    exit 0
  fi
fi
if ! mount -o loop,noinit_itable "$image" "$dir"; then
  echo "twin nodefs: no loop device, $dir left on the host's disk (a disk-full fault fails on this node)" >&2
  exit 0
fi
mount --make-rshared "$dir" || true
echo "twin nodefs: $dir on $(df -P -h "$dir" | awk 'NR == 2 { print $2 }') of ext4 in $image"
# A disk-full or disk-free fault on the node while it was off leaves what it asks for in "pending"
# (src/engines/k3d/disk-fill.ts writes it into the stopped container): the card is as the fault left
# it from this power-on, as a full card stays full with the board off.
pending=${image%/*}/pending
if [ -f "$pending" ]; then
  asked=$(cat "$pending")
  rm -f "$pending"
  case "$asked" in
    full)
      rm -f "$dir/.twin-disk-full"
      # shellcheck disable=SC2046
      set -- $(df -P -k "$dir" | awk 'NR == 2 { print $2, $4 }')
      fill=$(($2 - $1 / 100))
      if [ "$fill" -gt 0 ] && ! fallocate -l "${fill}k" "$dir/.twin-disk-full"; then
        echo "twin nodefs: could not fill $dir as a disk-full fault asked while the node was off" >&2
      fi
      echo "twin nodefs: filled while off, $(df -P -h "$dir" | awk 'NR == 2 { print $5 }') used"
      ;;
    free)
      rm -f "$dir/.twin-disk-full"
      echo "twin nodefs: freed while off"
      ;;
  esac
fi
