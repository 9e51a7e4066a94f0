package main

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is a loopback node whose files go through the device.
type node struct {
	fs.LoopbackNode
	dev *Device
}

func newRoot(source string, dev *Device) (fs.InodeEmbedder, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(source, &st); err != nil {
		return nil, err
	}
	root := &fs.LoopbackRoot{Path: source, Dev: uint64(st.Dev)}
	root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, dev: dev}
	}
	root.RootNode = root.NewNode(root, nil, "", &st)
	return root.RootNode, nil
}

var (
	_ fs.NodeOpener  = (*node)(nil)
	_ fs.NodeCreater = (*node)(nil)
	_ fs.NodeFsyncer = (*node)(nil)
	_ fs.FileFsyncer = (*file)(nil)
)

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fuseFlags, errno := n.LoopbackNode.Open(ctx, flags)
	return n.wrap(fh), fuseFlags, errno
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	inode, fh, fuseFlags, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	return inode, n.wrap(fh), fuseFlags, errno
}

// Fsync without a file handle of ours: a synchronous write too.
func (n *node) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	if fsyncer, ok := f.(fs.FileFsyncer); ok {
		return fsyncer.Fsync(ctx, flags)
	}
	return errno(n.dev.Sync(ctx, func() error { return nil }))
}

// dirStream is what the loopback's directory handle does for the bridge (go-fuse v2 fs/dirstream.go).
type dirStream interface {
	fs.FileReaddirenter
	fs.FileReleasedirer
	fs.FileSeekdirer
	fs.FileFsyncdirer
}

// dir is a directory handle whose fsync goes through the device: etcd and SQLite fsync a directory
// after creating a WAL segment or journal in it, and the bridge asks the handle before the node.
type dir struct {
	dirStream
	dev *Device
}

func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fuseFlags, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if ds, ok := fh.(dirStream); ok {
		return &dir{dirStream: ds, dev: n.dev}, fuseFlags, errno
	}
	return fh, fuseFlags, errno
}

func (d *dir) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	var result syscall.Errno
	if err := d.dev.Sync(ctx, func() error { result = d.dirStream.Fsyncdir(ctx, flags); return nil }); err != nil {
		return errno(err)
	}
	return result
}

func (n *node) wrap(fh fs.FileHandle) fs.FileHandle {
	if lf, ok := fh.(*fs.LoopbackFile); ok {
		return &file{LoopbackFile: lf, dev: n.dev}
	}
	return fh
}

// file is a loopback file whose fsync goes through the device.
type file struct {
	*fs.LoopbackFile
	dev *Device
}

func (f *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	var result syscall.Errno
	err := f.dev.Sync(ctx, func() error {
		result = f.LoopbackFile.Fsync(ctx, flags)
		return nil
	})
	if err != nil {
		return errno(err)
	}
	return result
}

// PassthroughFd keeps reads and writes in this process: with FUSE passthrough (Linux 6.9+) the
// kernel would write to the backing file directly, and a write to a file opened O_SYNC would no
// longer reach the device.
func (f *file) PassthroughFd() (int, bool) { return 0, false }

func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EIO
}
