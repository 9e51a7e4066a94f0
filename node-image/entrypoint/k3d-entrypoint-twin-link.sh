#!/bin/sh
# A link-degrade's delay and loss from the container's start (node-image/README.md "Delay and loss"):
# a board that was off keeps its link, and a restarted container has a new network namespace, so
# twin-link applies /etc/twin/link again before K3s starts. Never stops K3s from starting.
if [ -f /etc/twin/link ]; then
  /usr/local/bin/twin-link || echo "twin link: the delay and loss in /etc/twin/link are not applied" >&2
fi
exit 0
