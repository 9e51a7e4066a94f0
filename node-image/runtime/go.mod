module twin.dev/node-image/runtime

go 1.22.0
