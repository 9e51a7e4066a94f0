#!/bin/sh
# twin-link: applies /etc/twin/link (a link-degrade's delay and loss, node-image/README.md "Delay and
# loss") to this node's packets. The kernel's tc has no netem here, so twin-netq does it from user
# space: an NFQUEUE rule in the node's own network namespace hands it every packet leaving eth0. With
# no delay and no loss, the rule and twin-netq go. Run by the fault (docker exec) and at every power-on
# by k3d-entrypoint-twin-link.sh: a started container has a new network namespace, without the rule.
set -eu
conf=/etc/twin/link
log=/var/log/twin-netq.log
# The queue number is this namespace's own: another node's twin-netq binds its own 7.
queue=7
rule="POSTROUTING -o eth0 -j NFQUEUE --queue-num $queue --queue-bypass"
delay=0
loss=0
# twin-netq's live processes: an exited one stays a zombie until PID 1 reaps it, and a signal to it "succeeds".
live_netq() {
  for p in $(pgrep -x twin-netq); do
    state=$(awk '$1 == "State:" { print $2 }' "/proc/$p/status" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && echo "$p"
  done
  return 0
}
if [ -f "$conf" ]; then
  delay=$(awk '$1 == "delay" { print $2 }' "$conf")
  loss=$(awk '$1 == "loss" { print $2 }' "$conf")
fi
if awk -v d="${delay:-0}" -v l="${loss:-0}" 'BEGIN { exit !(d + 0 == 0 && l + 0 == 0) }'; then
  # shellcheck disable=SC2086
  while iptables -t mangle -D $rule 2>/dev/null; do :; done
  # shellcheck disable=SC2046
  kill $(live_netq) 2>/dev/null || true
  exit 0
fi
running=$(live_netq)
if [ -n "$running" ]; then
  # shellcheck disable=SC2086
  kill -HUP $running
  echo "twin-link: delay ${delay:-0} s, loss ${loss:-0}"
else
  # A session of its own: it outlives this script and K3s's restarts, and dies with the container.
  : >"$log"
  setsid /usr/local/bin/twin-netq --queue "$queue" --config "$conf" >>"$log" 2>&1 </dev/null &
  netq=$!
  bound=""
  for _ in $(seq 1 50); do
    if grep -q "queue $queue bound" "$log" 2>/dev/null && kill -0 "$netq" 2>/dev/null; then bound=1; break; fi
    kill -0 "$netq" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$bound" ]; then
    kill "$netq" 2>/dev/null || true
    echo "twin-link: twin-netq did not bind NFQUEUE $queue: $(tail -1 "$log" 2>/dev/null)" >&2
    exit 1
  fi
  echo "twin-link: twin-netq on NFQUEUE $queue, delay ${delay:-0} s, loss ${loss:-0}"
fi
# shellcheck disable=SC2086
iptables -t mangle -C $rule 2>/dev/null || iptables -t mangle -A $rule
