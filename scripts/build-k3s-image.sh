#!/usr/bin/env bash
# Builds, without any image registry, what twin's k3d engine needs to run real Kubernetes nodes:
#   - the k3d CLI (go install of the pinned k3d module, from the Go module proxy);
#   - a K3s-compatible node binary from upstream Kubernetes components (node-image/k3s: the K3s
#     module itself is not served by the module proxy this project can reach; see node-image/README.md);
#   - a node image from a Debian rootfs (debootstrap) with Debian's containerd, runc and CNI plugins,
#     a locally built pause image and the test workload images pre-imported;
#   - stand-in images for k3d's tools container and for the Rancher host;
#   - twin's own image (node-image/twin/build.sh), which `twin export job`'s pods run.
# Everything is cached by version under $TWIN_CACHE (default /var/cache/twin): a second run is a no-op.
# Usage: scripts/build-k3s-image.sh [--print-image]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

K8S_VERSION=v1.31.4          # k8s.io/kubernetes in node-image/k3s/go.mod
K3D_VERSION=v5.8.3
IMAGE_REV=twin1               # bump when node-image/ changes
DEBIAN_SUITE=bookworm
NODE_IMAGE="twin.local/k3s:${K8S_VERSION}-${IMAGE_REV}"
TOOLS_IMAGE="twin.local/k3d-tools:${K3D_VERSION}"
RANCHER_IMAGE="twin.local/rancher-standin:${IMAGE_REV}"
AGENT_IMAGE="twin.local/rancher-agent-standin:${IMAGE_REV}"
COREDNS_VERSION=v1.14.3      # github.com/coredns/coredns in node-image/coredns/go.mod
COREDNS_IMAGE="twin.local/coredns:${COREDNS_VERSION}"  # as node-image/k3s/coredns.go names it
APP_STANDIN_IMAGE="twin.local/app-standin:${IMAGE_REV}"
METRICS_SERVER_VERSION=v0.7.2  # sigs.k8s.io/metrics-server in node-image/metrics-server/go.mod
METRICS_SERVER_IMAGE="twin.local/metrics-server:${METRICS_SERVER_VERSION}"  # as node-image/k3s/metrics_server.go names it
TRAEFIK_VERSION=v2.11.8  # github.com/traefik/traefik/v2 in node-image/traefik/go.mod
TRAEFIK_IMAGE="twin.local/traefik:${TRAEFIK_VERSION}"  # as node-image/k3s/traefik.go names it
SVCLB_IMAGE="twin.local/klipper-lb:v0.4.9-twin1"  # ServiceLB's pods, as node-image/k3s/servicelb.go names it
CACHE=${TWIN_CACHE:-/var/cache/twin}
BIN="$CACHE/bin"

if [ "${1:-}" = "--print-image" ]; then echo "$NODE_IMAGE"; exit 0; fi

log() { printf '[build-k3s-image] %s\n' "$*" >&2; }
mkdir -p "$CACHE" "$BIN"

need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ -x /bin/busybox ] || need+=(busybox-static)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 1. k3d, built from the pinned module in node-image/k3d
if [ ! -x "$BIN/k3d-$K3D_VERSION" ]; then
  log "go build github.com/k3d-io/k3d/v5 ($K3D_VERSION)"
  (cd node-image/k3d && CGO_ENABLED=0 go build -mod=readonly -tags tools -trimpath \
    -ldflags "-s -w -X github.com/k3d-io/k3d/v5/version.Version=$K3D_VERSION" -o "$BIN/k3d-$K3D_VERSION.tmp" github.com/k3d-io/k3d/v5)
  mv "$BIN/k3d-$K3D_VERSION.tmp" "$BIN/k3d-$K3D_VERSION"
fi
ln -sf "k3d-$K3D_VERSION" "$BIN/k3d"

# Kubernetes reports its version from these (as its own build sets them).
version_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean ' "$pkg" "${K8S_VERSION}+${IMAGE_REV}" "$pkg" "$pkg" "$minor" "$pkg"
  done
}

# 2. the node binary (cgo for SQLite; no_stage as K3s's own build without bundled content)
SRC_HASH=$( (cat node-image/k3s/*.go node-image/k3s/go.mod node-image/k3s/go.sum; echo "$IMAGE_REV") | sha256sum | cut -c1-16)
K3S_BIN="$CACHE/k3s-$K8S_VERSION-$SRC_HASH"
if [ ! -x "$K3S_BIN" ]; then
  log "go build node-image/k3s (Kubernetes $K8S_VERSION; the first build takes a while on 2 cores)"
  (cd node-image/k3s && CGO_ENABLED=1 go build -mod=readonly -tags "libsqlite3 no_stage" -trimpath \
    -ldflags "-s -w -checklinkname=0 -X main.Version=${K8S_VERSION}+${IMAGE_REV} $(version_ldflags)" -o "$K3S_BIN.tmp" .)
  mv "$K3S_BIN.tmp" "$K3S_BIN"
  # Older builds of the node binary are of no further use.
  find "$CACHE" -maxdepth 1 -name "k3s-$K8S_VERSION-*" ! -name "$(basename "$K3S_BIN")" -delete
fi

# 2b. CoreDNS with the plugins K3s's Corefile uses (node-image/coredns), from the Go module proxy
COREDNS_BIN="$CACHE/coredns-$COREDNS_VERSION-$( (cat node-image/coredns/*.go node-image/coredns/go.mod node-image/coredns/go.sum) | sha256sum | cut -c1-16)"
if [ ! -x "$COREDNS_BIN" ]; then
  log "go build node-image/coredns (CoreDNS $COREDNS_VERSION)"
  (cd node-image/coredns && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$COREDNS_BIN.tmp" .)
  mv "$COREDNS_BIN.tmp" "$COREDNS_BIN"
  find "$CACHE" -maxdepth 1 -name 'coredns-*' ! -name "$(basename "$COREDNS_BIN")" -delete
fi

# 2c. metrics-server (node-image/metrics-server), from the Go module proxy
METRICS_SERVER_BIN="$CACHE/metrics-server-$METRICS_SERVER_VERSION-$( (cat node-image/metrics-server/*.go node-image/metrics-server/go.mod node-image/metrics-server/go.sum) | sha256sum | cut -c1-16)"
if [ ! -x "$METRICS_SERVER_BIN" ]; then
  log "go build node-image/metrics-server (metrics-server $METRICS_SERVER_VERSION)"
  (cd node-image/metrics-server && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$METRICS_SERVER_BIN.tmp" .)
  mv "$METRICS_SERVER_BIN.tmp" "$METRICS_SERVER_BIN"
  find "$CACHE" -maxdepth 1 -name 'metrics-server-*' ! -name "$(basename "$METRICS_SERVER_BIN")" -delete
fi

# 2d. Traefik (node-image/traefik pins it), from the Go module proxy, with the CRDs of the same
# module version beside it (the server installs them as K3s's traefik-crd chart does)
TRAEFIK_BIN="$CACHE/traefik-$TRAEFIK_VERSION-$( (cat node-image/traefik/*.go node-image/traefik/go.mod node-image/traefik/go.sum) | sha256sum | cut -c1-16)"
if [ ! -x "$TRAEFIK_BIN" ] || [ ! -f "$TRAEFIK_BIN.crds.yaml" ]; then
  log "go build github.com/traefik/traefik/v2/cmd/traefik (Traefik $TRAEFIK_VERSION)"
  (cd node-image/traefik && CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/traefik/traefik/v2/pkg/version.Version=$TRAEFIK_VERSION" -o "$TRAEFIK_BIN.tmp" github.com/traefik/traefik/v2/cmd/traefik)
  module_dir=$(cd node-image/traefik && go list -m -f '{{.Dir}}' github.com/traefik/traefik/v2)
  cp "$module_dir/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml" "$TRAEFIK_BIN.crds.yaml"
  mv "$TRAEFIK_BIN.tmp" "$TRAEFIK_BIN"
  find "$CACHE" -maxdepth 1 -name 'traefik-*' ! -name "$(basename "$TRAEFIK_BIN")*" -delete
fi

# A static Go program of twin's (node-image/NAME) built into $CACHE/NAME-<hash of its sources> unless it
# is there already; older builds go. Prints the binary's path.
go_static() {
  local dir="node-image/$1" bin
  bin="$CACHE/$1-$( (cat "$dir"/*.go "$dir/go.mod" "$dir/go.sum") | sha256sum | cut -c1-16)"
  if [ ! -x "$bin" ]; then
    log "go build $dir ($2)"
    (cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.tmp" .) >&2
    mv "$bin.tmp" "$bin"
    find "$CACHE" -maxdepth 1 -name "$1-*" ! -name "$(basename "$bin")" -delete
  fi
  echo "$bin"
}

# 2e. mount.nfs (node-image/nfs-mount): twin's userspace NFSv3 client over FUSE, for kernels
# without an NFS client (the kubelet's NFS volume plugin runs `mount -t nfs`, which runs it)
NFS_MOUNT_BIN=$(go_static nfs-mount "mount.nfs over FUSE")

# 2f. twin-slowfs (node-image/slowfs): the node's datastore and local-path volumes at its board's
# storage latency, over FUSE (node-image/entrypoint mounts it)
SLOWFS_BIN=$(go_static slowfs "storage latency over FUSE")

# 2g. twin-netq (node-image/netq): a link-degrade's delay and loss through NFQUEUE, where the kernel's tc
# has no netem (node-image/entrypoint/twin-link.sh starts it)
NETQ_BIN=$(go_static netq "packet delay and loss over NFQUEUE")

# 3. small static programs and the images built from them
build_c() { [ -x "$CACHE/$1" ] && [ "$CACHE/$1" -nt "node-image/images/$1.c" ] || gcc -static -O2 -Wall -o "$CACHE/$1" "node-image/images/$1.c"; }
build_c pause
build_c memhog
build_c twin-app
# the Rancher stand-in: Rancher's registration API in Go's standard library (no modules to fetch)
RANCHER_BIN="$CACHE/rancher-standin-$( (cat node-image/rancher/*; echo "$IMAGE_REV") | sha256sum | cut -c1-16)"
if [ ! -x "$RANCHER_BIN" ]; then
  (cd node-image/rancher && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$RANCHER_BIN.tmp" .)
  mv "$RANCHER_BIN.tmp" "$RANCHER_BIN"
  find "$CACHE" -maxdepth 1 -name 'rancher-standin-*' ! -name "$(basename "$RANCHER_BIN")" -delete
fi

# busybox_rootfs DIR: a rootfs holding only the static busybox and its applets
busybox_rootfs() {
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  for applet in $(/bin/busybox --list); do [ -e "$1/bin/$applet" ] || ln -s busybox "$1/bin/$applet"; done
  echo 'root:x:0:0:root:/:/bin/sh' > "$1/etc/passwd"
}

# (busybox-static 1.35's `wget -T` segfaults: timeouts are busybox `timeout` around wget.)
# import_image NAME DIR [docker import --change ...]: a local image from a directory (no registry)
import_image() {
  local name=$1 dir=$2; shift 2
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" -c . | docker import "${changes[@]}" - "$name" >/dev/null
}

# 3a. the Debian rootfs (debootstrap from Debian's archive), cached per suite
ROOTFS_TAR="$CACHE/rootfs-$DEBIAN_SUITE.tar"
if [ ! -f "$ROOTFS_TAR" ]; then
  log "debootstrap $DEBIAN_SUITE with containerd, runc and the CNI plugins"
  rm -rf "$CACHE/rootfs-build"
  debootstrap --variant=minbase --include=containerd,runc,containernetworking-plugins,iptables,conntrack,iproute2,ca-certificates,libsqlite3-0,mount,procps \
    "$DEBIAN_SUITE" "$CACHE/rootfs-build" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  rm -rf "$CACHE/rootfs-build/var/cache/apt/archives/"*.deb "$CACHE/rootfs-build/var/lib/apt/lists/"*
  tar -C "$CACHE/rootfs-build" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR" && rm -rf "$CACHE/rootfs-build"
fi

WORK="$CACHE/work-$IMAGE_REV"
IMAGES_STAMP="$CACHE/images-$IMAGE_REV-$( (cat node-image/images/* node-image/rancher/* scripts/build-k3s-image.sh; basename "$COREDNS_BIN"; basename "$METRICS_SERVER_BIN"; basename "$TRAEFIK_BIN") | sha256sum | cut -c1-16)"
if [ ! -d "$IMAGES_STAMP" ]; then
  log "building the pause, workload stand-in, tools and Rancher stand-in images"
  rm -rf "$WORK" && mkdir -p "$WORK/tars"
  mkdir -p "$WORK/pause" && cp "$CACHE/pause" "$WORK/pause/pause"
  import_image twin.local/pause:3.10 "$WORK/pause" 'ENTRYPOINT ["/pause"]'

  # HTTP servers standing in for the seed workloads' images (busybox httpd): same names, same ports.
  # PID 1 is twin-app, which runs the server and can be made to leak memory (the memory-leak fault).
  http_image() { # NAME PORT
    local d="$WORK/http-$2"; rm -rf "$d"; busybox_rootfs "$d"; mkdir -p "$d/www"; cp "$CACHE/twin-app" "$d/bin/twin-app"
    echo "twin stand-in for $1" > "$d/www/index.html"; echo ok > "$d/www/healthz"; echo ok > "$d/www/ready"
    import_image "$1" "$d" 'ENTRYPOINT ["/bin/twin-app"]' "CMD [\"/bin/httpd\", \"-f\", \"-v\", \"-p\", \"$2\", \"-h\", \"/www\"]"
  }
  http_image nginx:1.27-alpine 80
  http_image ghcr.io/edgestack/api:1.4.2 5000
  # Postgres stand-in: a listener on 5432 and a pg_isready that checks it.
  d="$WORK/postgres"; rm -rf "$d"; busybox_rootfs "$d"; mkdir -p "$d/www" "$d/usr/local/bin"; echo ok > "$d/www/ready"; cp "$CACHE/twin-app" "$d/bin/twin-app"
  printf '#!/bin/sh\nexec timeout 2 wget -q -O /dev/null http://127.0.0.1:5432/ready\n' > "$d/usr/local/bin/pg_isready"; chmod +x "$d/usr/local/bin/pg_isready"
  import_image postgres:16-alpine "$d" 'ENV PATH=/usr/local/bin:/bin' 'ENTRYPOINT ["/bin/twin-app"]' 'CMD ["/bin/httpd", "-f", "-p", "5432", "-h", "/www"]'
  # The generic stand-in for every other workload image (src/engines/k3d/stand-ins.ts): twin-app's own
  # server, told its ports, dependencies and run time by the environment twin sets; twin tags it in each
  # node's containerd under the manifests' image names at run time, so it stays in the host's Docker only.
  d="$WORK/app-standin"; rm -rf "$d"; busybox_rootfs "$d"; cp "$CACHE/twin-app" "$d/bin/twin-app"
  import_image "$APP_STANDIN_IMAGE" "$d" 'ENV PATH=/bin' 'ENTRYPOINT ["/bin/twin-app"]' 'CMD ["/bin/twin-app", "serve"]'
  d="$WORK/memhog"; rm -rf "$d"; busybox_rootfs "$d"; cp "$CACHE/memhog" "$d/bin/memhog"
  import_image twin.local/memhog:1 "$d" 'ENTRYPOINT ["/bin/memhog"]' 'CMD ["64"]'

  # k3d's tools container only needs to stay up for `noop` during cluster creation on Linux.
  d="$WORK/tools"; rm -rf "$d"; busybox_rootfs "$d"; mkdir -p "$d/app"
  printf '#!/bin/sh\n[ "$1" = noop ] && exec sleep 2147483647\necho "k3d-tools stand-in: $1 is not available in this offline build" >&2\nexit 1\n' > "$d/app/k3d-tools"; chmod +x "$d/app/k3d-tools"
  import_image "$TOOLS_IMAGE" "$d" 'ENTRYPOINT ["/app/k3d-tools"]'
  # Rancher stand-in (no Rancher image can be had here): /ping, and the registration API twin drives
  # (node-image/rancher); /v3/connect is where the agent's tunnel lands; each request is logged, which twin reads.
  d="$WORK/rancher"; rm -rf "$d"; busybox_rootfs "$d"; cp "$RANCHER_BIN" "$d/bin/rancher-standin"
  import_image "$RANCHER_IMAGE" "$d" 'CMD ["/bin/rancher-standin"]'
  # cattle-cluster-agent stand-in: the real agent's start-up check of CATTLE_SERVER/ping (exit 1 when
  # it fails, so CrashLoopBackOff), then a tunnel kept up by a request to /v3/connect every 5 s
  # (wget --no-check-certificate: the real agent pins Rancher's self-signed certificate by its checksum instead).
  d="$WORK/rancher-agent"; rm -rf "$d"; busybox_rootfs "$d"; mkdir -p "$d/usr/bin"
  cat > "$d/usr/bin/agent" <<'AGENT'
#!/bin/sh
if ! timeout 5 wget -q --no-check-certificate -O /dev/null "$CATTLE_SERVER/ping"; then echo "ERROR: $CATTLE_SERVER/ping is not accessible"; exit 1; fi
echo "INFO: Connecting to $CATTLE_SERVER/v3/connect"
while true; do
  timeout 5 wget -q --no-check-certificate -O /dev/null "$CATTLE_SERVER/v3/connect" || echo "ERROR: failed to connect to proxy: $CATTLE_SERVER unreachable, retrying"
  sleep 5
done
AGENT
  chmod +x "$d/usr/bin/agent"
  import_image "$AGENT_IMAGE" "$d" 'ENTRYPOINT ["/usr/bin/agent"]'

  # CoreDNS: the static binary alone (it needs no shell); K3s's manifest mounts its Corefile.
  d="$WORK/coredns"; rm -rf "$d"; mkdir -p "$d/etc/coredns" "$d/tmp"; cp "$COREDNS_BIN" "$d/coredns"
  import_image "$COREDNS_IMAGE" "$d" 'ENTRYPOINT ["/coredns"]'
  d="$WORK/metrics-server"; rm -rf "$d"; mkdir -p "$d/tmp"; cp "$METRICS_SERVER_BIN" "$d/metrics-server"
  import_image "$METRICS_SERVER_IMAGE" "$d" 'ENTRYPOINT ["/metrics-server"]'
  # ServiceLB's forwarder (node-image/k3s/servicelb.go names it): busybox, Debian's iptables (nft
  # backend, as on the nodes) with the libraries and extensions it loads, and the entry script.
  d="$WORK/klipper-lb"; rm -rf "$d"; busybox_rootfs "$d"; mkdir -p "$d/run"
  triplet=$(gcc -print-multiarch)
  tar -C "$d" --wildcards -xf "$ROOTFS_TAR" ./lib ./lib64 ./usr/sbin/xtables-nft-multi "./usr/lib/$triplet/xtables" \
    "./usr/lib/$triplet/libxtables.so.*" "./usr/lib/$triplet/libmnl.so.*" "./usr/lib/$triplet/libnftnl.so.*" \
    "./usr/lib/$triplet/libc.so.*" "./usr/lib/$triplet/ld-linux-*" "./usr/lib64/ld-linux-*"
  for tool in iptables ip6tables iptables-save ip6tables-save; do ln -sf xtables-nft-multi "$d/usr/sbin/$tool"; done
  chroot "$d" /usr/sbin/iptables -V >/dev/null || { log "klipper-lb image: iptables does not run in its rootfs"; exit 1; }
  install -m 0755 node-image/images/svclb-entry "$d/bin/svclb-entry"
  import_image "$SVCLB_IMAGE" "$d" 'ENV PATH=/usr/sbin:/bin' 'ENTRYPOINT ["/bin/svclb-entry"]'
  # Traefik: the static binary alone, run as the chart runs it (its args in node-image/k3s/traefik.go).
  d="$WORK/traefik"; rm -rf "$d"; mkdir -p "$d/data" "$d/tmp"; cp "$TRAEFIK_BIN" "$d/traefik"
  import_image "$TRAEFIK_IMAGE" "$d" 'ENTRYPOINT ["/traefik"]'

  mkdir -p "$WORK/airgap"
  docker save -o "$WORK/airgap/twin-images.tar" twin.local/pause:3.10 nginx:1.27-alpine ghcr.io/edgestack/api:1.4.2 postgres:16-alpine twin.local/memhog:1 "$AGENT_IMAGE" "$COREDNS_IMAGE" "$METRICS_SERVER_IMAGE" "$SVCLB_IMAGE" "$TRAEFIK_IMAGE"
  rm -rf "$CACHE"/images-"$IMAGE_REV"-* && mkdir -p "$IMAGES_STAMP" && mv "$WORK/airgap/twin-images.tar" "$IMAGES_STAMP/"
fi

# 5. the node image
# What the image can run (node-image/capabilities.json): written into the image as a label, which
# twin reads before a run to refuse what the image cannot reproduce, and as /etc/twin/capabilities.json.
CAPABILITIES=$(tr -d ' \n' < node-image/capabilities.json)
CAP_HASH=$(printf '%s' "$CAPABILITIES" | sha256sum | cut -c1-8)
NODE_STAMP="$CACHE/node-$IMAGE_REV-$SRC_HASH-$CAP_HASH-$(basename "$IMAGES_STAMP")-$(basename "$NFS_MOUNT_BIN")-$(basename "$SLOWFS_BIN")-$(basename "$NETQ_BIN")-$(cat node-image/entrypoint/* | sha256sum | cut -c1-8)"
if [ ! -f "$NODE_STAMP" ] || ! docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  log "assembling $NODE_IMAGE"
  d="$CACHE/node-build"; rm -rf "$d" && mkdir -p "$d" && tar -C "$d" -xf "$ROOTFS_TAR"
  install -m 0755 "$K3S_BIN" "$d/bin/k3s"
  install -D -m 0644 "$TRAEFIK_BIN.crds.yaml" "$d/usr/share/twin/traefik-crds.yaml"
  # memory taken on the node outside Kubernetes (twin's memory-fill fault)
  install -m 0755 "$CACHE/memhog" "$d/usr/local/bin/memhog"
  ln -sf k3s "$d/bin/kubectl"
  # NFS volumes where the kernel has no NFS client: util-linux mount(8) runs /sbin/mount.<type>
  install -m 0755 "$NFS_MOUNT_BIN" "$d/sbin/mount.nfs" && ln -sf mount.nfs "$d/sbin/mount.nfs4"
  # the board's CPU speed and storage latency from the container's first start: k3d's entrypoint runs
  # every /bin/k3d-entrypoint-*.sh before K3s (node-image/entrypoint)
  install -m 0755 "$SLOWFS_BIN" "$d/usr/local/bin/twin-slowfs"
  install -m 0755 "$NETQ_BIN" "$d/usr/local/bin/twin-netq"
  install -m 0755 node-image/entrypoint/twin-link.sh "$d/usr/local/bin/twin-link"
  for script in node-image/entrypoint/k3d-entrypoint-*.sh; do install -m 0755 "$script" "$d/bin/$(basename "$script")"; done
  # k3d's entrypoint script traps SIGTERM by name, which Debian's dash refuses: /bin/sh is busybox, as in K3s's image.
  cp /bin/busybox "$d/bin/busybox" && ln -sf busybox "$d/bin/sh"
  mkdir -p "$d/var/lib/rancher/k3s/agent/images" "$d/etc/rancher/k3s" "$d/output" "$d/etc/twin"
  printf '%s\n' "$CAPABILITIES" > "$d/etc/twin/capabilities.json"
  cp "$IMAGES_STAMP/twin-images.tar" "$d/var/lib/rancher/k3s/agent/images/"
  tar -C "$d" -c . | docker import \
    --change 'ENTRYPOINT ["/bin/k3s"]' --change 'CMD ["agent"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'VOLUME ["/var/lib/kubelet", "/var/lib/rancher/k3s", "/var/lib/cni", "/var/log"]' \
    --change "LABEL twin.dev/node-image=$IMAGE_REV org.opencontainers.image.version=$K8S_VERSION twin.dev/capabilities='$CAPABILITIES'" \
    - "$NODE_IMAGE" >/dev/null
  rm -rf "$d"; rm -f "$CACHE"/node-"$IMAGE_REV"-*; touch "$NODE_STAMP"
fi
# The stand-in images live in the host's Docker too (k3d's tools container, the Rancher container).
for img in "$TOOLS_IMAGE" "$RANCHER_IMAGE" "$APP_STANDIN_IMAGE"; do docker image inspect "$img" >/dev/null 2>&1 || { rm -rf "$IMAGES_STAMP"; exec "$0" "$@"; }; done
node-image/external/build.sh   # 6. machines outside Kubernetes (role external): node-image/external
node-image/twin/build.sh       # 7. twin's own image, for `twin export job` (the Dockerfile's, offline): node-image/twin
log "ready: $NODE_IMAGE, k3d $K3D_VERSION at $BIN/k3d"
echo "$NODE_IMAGE"
