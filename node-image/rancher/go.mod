module twin.local/rancher-standin

go 1.22
