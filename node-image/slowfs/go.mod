// twin-slowfs: a directory at a Raspberry Pi storage's write latency, over FUSE.
module twin.dev/node-image/slowfs

go 1.23

require github.com/hanwen/go-fuse/v2 v2.12.1

require golang.org/x/sys v0.28.0 // indirect
