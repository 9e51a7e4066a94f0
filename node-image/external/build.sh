#!/usr/bin/env bash
# twin's external host image (role: external machines: a NAS, a database box, a gateway): Debian
# bookworm minbase from Debian's archive (debootstrap) with Debian's mariadb-server, haproxy and
# nfs-ganesha (userspace NFS server, VFS backend, registered with rpcbind), and node-image/external/entrypoint.sh, which
# starts the services named in TWIN_SERVICES. Imported as twin.local/external-host:<rev>, cached
# by a hash of this directory under $TWIN_CACHE like the other parts of scripts/build-k3s-image.sh.
# Usage: node-image/external/build.sh [--print-image]
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
EXTERNAL_REV=twin1            # bump when the package list changes
DEBIAN_SUITE=bookworm
PACKAGES=(mariadb-server mariadb-client haproxy nfs-ganesha nfs-ganesha-vfs rpcbind netbase iproute2 procps)
IMAGE="twin.local/external-host:$EXTERNAL_REV"
CACHE=${TWIN_CACHE:-/var/cache/twin}
if [ "${1:-}" = "--print-image" ]; then echo "$IMAGE"; exit 0; fi
log() { printf '[external-host] %s\n' "$*" >&2; }
mkdir -p "$CACHE"
command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }

# the rootfs with the packages, cached per suite and package list
PKG_HASH=$(printf '%s\n' "$DEBIAN_SUITE" "${PACKAGES[@]}" "$EXTERNAL_REV" | sha256sum | cut -c1-16)
ROOTFS_TAR="$CACHE/external-rootfs-$DEBIAN_SUITE-$PKG_HASH.tar"
if [ ! -f "$ROOTFS_TAR" ]; then
  log "debootstrap $DEBIAN_SUITE minbase, then apt-get install ${PACKAGES[*]}"
  d="$CACHE/external-rootfs-build"; rm -rf "$d"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$d" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$CACHE/external-debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/external-debootstrap.log" >&2; exit 1; }
  # No service may start inside the build chroot (invoke-rc.d asks policy-rc.d; 101 = not allowed).
  printf '#!/bin/sh\nexit 101\n' > "$d/usr/sbin/policy-rc.d"; chmod +x "$d/usr/sbin/policy-rc.d"
  # /proc for the packages' maintainer scripts, in a private mount namespace so nothing is left mounted.
  unshare -m sh -c "mount -t proc proc '$d/proc' && chroot '$d' sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${PACKAGES[*]}'" \
    >>"$CACHE/external-debootstrap.log" 2>&1 || { tail -20 "$CACHE/external-debootstrap.log" >&2; exit 1; }
  rm -f "$d/usr/sbin/policy-rc.d"
  rm -rf "$d/var/cache/apt/archives/"*.deb "$d/var/lib/apt/lists/"* "$d/var/lib/mysql/"*
  tar -C "$d" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR" && rm -rf "$d"
  find "$CACHE" -maxdepth 1 -name "external-rootfs-*.tar" ! -name "$(basename "$ROOTFS_TAR")" -delete
fi

STAMP="$CACHE/external-$EXTERNAL_REV-$PKG_HASH-$(cat "$HERE/entrypoint.sh" "$HERE/build.sh" | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ] || ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "assembling $IMAGE"
  d="$CACHE/external-build"; rm -rf "$d" && mkdir -p "$d" && tar -C "$d" -xf "$ROOTFS_TAR"
  install -m 0755 "$HERE/entrypoint.sh" "$d/usr/local/bin/twin-external"
  tar -C "$d" -c . | docker import \
    --change 'ENTRYPOINT ["/usr/local/bin/twin-external"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'VOLUME ["/var/lib/mysql"]' \
    --change "LABEL twin.dev/external-host=$EXTERNAL_REV" \
    - "$IMAGE" >/dev/null
  rm -rf "$d"; rm -f "$CACHE"/external-"$EXTERNAL_REV"-*; touch "$STAMP"
fi
log "ready: $IMAGE"
