#!/bin/sh
# twin's external host (a `role: external` machine of the cluster spec, outside Kubernetes).
# Starts the services named in TWIN_SERVICES (space or comma separated: mariadb, haproxy, nfs)
# and stays up while they run; a power cut is `docker kill` of the whole container.
#   TWIN_MARIADB_ACCOUNTS  "user:password@database ..." created at every start (password may be empty)
#   TWIN_HAPROXY_SERVERS   "name=address:port ..." the API servers HAProxy forwards :6443 to (TCP)
#   TWIN_NFS_EXPORT        the directory exported over NFS (default /srv/nfs)
set -eu
services=$(printf '%s' "${TWIN_SERVICES:-}" | tr ',' ' ')
log() { echo "[twin-external] $*"; }
pids=""

start_mariadb() {
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  # The accounts the workloads' connection strings name; run by the server itself at every start.
  init=/run/mysqld/twin-init.sql
  : > "$init"
  for account in ${TWIN_MARIADB_ACCOUNTS:-}; do
    user=${account%%@*}; database=${account#*@}; password=${user#*:}; user=${user%%:*}
    [ "$password" = "$user" ] && password=""
    {
      echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"
      echo "CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$password';"
      echo "GRANT ALL PRIVILEGES ON \`$database\`.* TO '$user'@'%';"
    } >> "$init"
  done
  chown mysql:mysql "$init"
  mariadbd --user=mysql --bind-address=0.0.0.0 --port=3306 --skip-name-resolve --init-file="$init" &
  pids="$pids $!"
  log "mariadb started on :3306 (accounts: ${TWIN_MARIADB_ACCOUNTS:-none})"
}

start_haproxy() {
  cfg=/run/haproxy-twin.cfg
  # The servers are named by their containers on the run's network and resolved through Docker's DNS
  # as they come and go (init-addr none: HAProxy starts before the servers exist, when the agents join
  # through it). TCP health checks at HAProxy's defaults (inter 2s, fall 3, rise 2), as seed 004's.
  {
    printf 'global\n  maxconn 2000\nresolvers docker\n  nameserver dns 127.0.0.11:53\n  hold valid 1s\n  hold nx 1s\n'
    # A connection refused by a server whose K3s has stopped (its container still up) goes to another
    # one (redispatch) instead of failing the client until the health checks mark it down.
    printf 'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n  retries 3\n  option redispatch\n'
    printf '  default-server init-addr last,libc,none resolvers docker check\n'
    printf 'frontend k3s-api\n  bind :6443\n  default_backend k3s-servers\nbackend k3s-servers\n  balance roundrobin\n'
    for server in ${TWIN_HAPROXY_SERVERS:-}; do printf '  server %s %s\n' "${server%%=*}" "${server#*=}"; done
    # twin's node binary serves its supervisor (an agent's first join) on 6442; K3s serves it on 6443 with the API.
    printf 'frontend k3s-supervisor\n  bind :6442\n  default_backend k3s-supervisors\nbackend k3s-supervisors\n  balance roundrobin\n'
    for server in ${TWIN_HAPROXY_SERVERS:-}; do
      address=${server#*=}
      printf '  server %s %s:6442\n' "${server%%=*}" "${address%:*}"
    done
  } > "$cfg"
  haproxy -W -db -f "$cfg" &
  pids="$pids $!"
  log "haproxy started on :6443 (and :6442, the node binary's supervisor) -> ${TWIN_HAPROXY_SERVERS:-no servers}"
}

start_nfs() {
  export_dir=${TWIN_NFS_EXPORT:-/srv/nfs}
  mkdir -p "$export_dir" /run/ganesha /var/lib/nfs/ganesha /run/rpcbind
  # ganesha registers its programs with the portmapper and exits when it cannot (measured here).
  rpcbind -w
  # NFSv3 (with MOUNT, registered with rpcbind at a fixed port) for twin's userspace client on
  # nodes whose kernel has no NFS client (node-image/nfs-mount), and NFSv4. No NLM (it needs
  # rpc.statd): v3 clients mount with nolock semantics, as twin's client does.
  cat > /run/ganesha-twin.conf <<CONF
NFS_CORE_PARAM { Protocols = 3, 4; NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 1; Path = "$export_dir"; Pseudo = "$export_dir";
  Access_Type = RW; Squash = No_Root_Squash; Protocols = 3, 4; Transports = TCP;
  FSAL { Name = VFS; }
}
CONF
  ganesha.nfsd -F -L /dev/stdout -f /run/ganesha-twin.conf -p /run/ganesha/ganesha.pid &
  pids="$pids $!"
  log "nfs-ganesha started: $export_dir exported over NFSv3 (MOUNT on :20048) and NFSv4 on :2049"
}

for service in $services; do
  case "$service" in
    mariadb) start_mariadb ;;
    haproxy) start_haproxy ;;
    nfs) start_nfs ;;
    *) log "unknown service $service"; exit 2 ;;
  esac
done
log "up (${services:-no services})"
trap 'kill $pids 2>/dev/null; wait; exit 0' TERM INT
# A plain host has nothing to run: it only has to be up.
while true; do sleep 3600 & wait $! || true; done
