#!/usr/bin/env bash
# twin's own image, built offline: what the repository's Dockerfile builds, for the Indexed Jobs of
# `twin export job` where no registry is reachable. A Debian bookworm minbase rootfs from Debian's
# archive (debootstrap), this machine's Node.js (`command -v node`), and twin from `npm pack` of the
# repository with its production dependencies as package-lock.json pins them (`npm ci --omit=dev`,
# from npm's cache when it holds them), in /usr/local/lib/twin with /usr/local/bin/twin. Imported as
# twin.local/twin:<package.json version>, cached under $TWIN_CACHE by a hash of the sources, the
# lock file, this script and the Node.js binary, like the other parts of scripts/build-k3s-image.sh.
# Usage: node-image/twin/build.sh [--print-image]
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=$(node -p 'require("./package.json").version')
IMAGE="twin.local/twin:$VERSION"
DEBIAN_SUITE=bookworm
CACHE=${TWIN_CACHE:-/var/cache/twin}
if [ "${1:-}" = "--print-image" ]; then echo "$IMAGE"; exit 0; fi
log() { printf '[twin-image] %s\n' "$*" >&2; }
mkdir -p "$CACHE"
command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
NODE_BIN=$(readlink -f "$(command -v node)")

# the rootfs: minbase has the C++ runtime Node.js links against
ROOTFS_TAR="$CACHE/twin-rootfs-$DEBIAN_SUITE.tar"
if [ ! -f "$ROOTFS_TAR" ]; then
  log "debootstrap $DEBIAN_SUITE minbase"
  d="$CACHE/twin-rootfs-build"; rm -rf "$d"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$d" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$CACHE/twin-debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/twin-debootstrap.log" >&2; exit 1; }
  rm -rf "$d/var/cache/apt/archives/"*.deb "$d/var/lib/apt/lists/"*
  tar -C "$d" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR" && rm -rf "$d"
fi

SRC_HASH=$( (find src bin hardware-profiles schemas scripts/write-shipped-profiles.ts scripts/vendor-deps.ts -type f | LC_ALL=C sort | xargs cat; cat package.json package-lock.json tsconfig.json tsconfig.build.json node-image/twin/build.sh; sha256sum < "$NODE_BIN") | sha256sum | cut -c1-16)
STAMP="$CACHE/twin-image-$VERSION-$SRC_HASH"
if [ ! -f "$STAMP" ] || ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "assembling $IMAGE (Node.js $("$NODE_BIN" --version) from $NODE_BIN, twin from npm pack)"
  d="$CACHE/twin-build"; rm -rf "$d" && mkdir -p "$d/rootfs" "$d/pack"
  tar -C "$d/rootfs" -xf "$ROOTFS_TAR"
  install -m 0755 "$NODE_BIN" "$d/rootfs/usr/local/bin/node"
  # npm pack of a copy of the sources, built with their own dev dependencies: this script runs before
  # the repository's `npm ci` in CI (.ci/run), and leaves the repository's node_modules and dist alone.
  # (`npm run build` also runs scripts/vendor-deps.ts and scripts/write-shipped-profiles.ts.)
  mkdir -p "$d/src/scripts" && cp -r package.json package-lock.json tsconfig.json tsconfig.build.json src bin hardware-profiles schemas "$d/src/"
  cp scripts/write-shipped-profiles.ts scripts/vendor-deps.ts "$d/src/scripts/"
  (cd "$d/src" && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null \
    && npm pack --silent --pack-destination "$d/pack" >/dev/null)   # `prepare`: the build
  app="$d/rootfs/usr/local/lib/twin"; mkdir -p "$app"
  tar -xzf "$d/pack"/twin-*.tgz --strip-components=1 -C "$app"
  cp package-lock.json "$app/"
  # --ignore-scripts: no `prepare` (the package is built) and no install scripts
  (cd "$app" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
  ln -s ../lib/twin/bin/twin.js "$d/rootfs/usr/local/bin/twin"
  mkdir -p "$d/rootfs/work"
  chroot "$d/rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin twin --version >/dev/null || { log "twin does not start in its rootfs"; exit 1; }
  tar -C "$d/rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /work' \
    --change 'ENTRYPOINT ["twin"]' \
    --change "LABEL twin.dev/twin-image=$VERSION org.opencontainers.image.version=$VERSION" \
    - "$IMAGE" >/dev/null
  rm -rf "$d"; rm -f "$CACHE"/twin-image-*; touch "$STAMP"
fi
log "ready: $IMAGE"
