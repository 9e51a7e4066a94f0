// twin-netq: a link-degrade's delay and loss on a node's packets, from user space over NFQUEUE.
module twin.dev/node-image/netq

go 1.23

require golang.org/x/sys v0.28.0
