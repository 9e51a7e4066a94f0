package main

import (
	"context"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	nfs "github.com/willscott/go-nfs-client/nfs"
)

// node is one file, directory or link of the export, known by its NFS file handle. Handles stay
// valid across a server's restart (ganesha's VFS backend hands out the kernel's persistent
// handles), so a node outlives a reconnection.
type node struct {
	fs.Inode
	c      *Client
	mu     sync.Mutex
	handle []byte
}

func newNode(c *Client, fh []byte) *node { return &node{c: c, handle: fh} }

// fh is the node's current file handle.
func (n *node) fh() []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.handle
}

var (
	_ fs.NodeLookuper   = (*node)(nil)
	_ fs.NodeGetattrer  = (*node)(nil)
	_ fs.NodeSetattrer  = (*node)(nil)
	_ fs.NodeReaddirer  = (*node)(nil)
	_ fs.NodeOpener     = (*node)(nil)
	_ fs.NodeReader     = (*node)(nil)
	_ fs.NodeWriter     = (*node)(nil)
	_ fs.NodeFsyncer    = (*node)(nil)
	_ fs.NodeCreater    = (*node)(nil)
	_ fs.NodeMkdirer    = (*node)(nil)
	_ fs.NodeUnlinker   = (*node)(nil)
	_ fs.NodeRmdirer    = (*node)(nil)
	_ fs.NodeRenamer    = (*node)(nil)
	_ fs.NodeSymlinker  = (*node)(nil)
	_ fs.NodeReadlinker = (*node)(nil)
	_ fs.NodeLinker     = (*node)(nil)
	_ fs.NodeStatfser   = (*node)(nil)
)

// fileType is the S_IF* bits of an ftype3 (RFC 1813 §2.5).
func fileType(t uint32) uint32 {
	switch t {
	case nfs.NF3Dir:
		return syscall.S_IFDIR
	case nfs.NF3Lnk:
		return syscall.S_IFLNK
	case nfs.NF3Blk:
		return syscall.S_IFBLK
	case nfs.NF3Chr:
		return syscall.S_IFCHR
	case nfs.NF3Sock:
		return syscall.S_IFSOCK
	case nfs.NF3FIFO:
		return syscall.S_IFIFO
	}
	return syscall.S_IFREG
}

func fillAttr(a *nfs.Fattr, out *fuse.Attr) {
	out.Mode = fileType(a.Type) | a.FileMode&07777
	out.Size = a.Filesize
	out.Blocks = (a.Used + 511) / 512
	out.Blksize = 4096
	out.Ino = a.Fileid
	out.Nlink = a.Nlink
	out.Uid, out.Gid = a.UID, a.GID
	out.Rdev = uint32(a.SpecData[0]<<8 | a.SpecData[1]&0xff)
	out.Atime, out.Atimensec = uint64(a.Atime.Seconds), a.Atime.Nseconds
	out.Mtime, out.Mtimensec = uint64(a.Mtime.Seconds), a.Mtime.Nseconds
	out.Ctime, out.Ctimensec = uint64(a.Ctime.Seconds), a.Ctime.Nseconds
}

// child is the inode for a name just looked up or made. The kernel may still hold an inode of the
// same file id under that name with an older handle (a server that hands out path-based handles
// gives a file a new one on rename): that inode takes the fresh handle, as the kernel's client
// looks a name up again when a handle turns stale.
func (n *node) child(ctx context.Context, name string, fh []byte, a *nfs.Fattr, out *fuse.EntryOut) *fs.Inode {
	fillAttr(a, &out.Attr)
	if existing := n.GetChild(name); existing != nil && existing.StableAttr().Ino == a.Fileid {
		if known, ok := existing.Operations().(*node); ok {
			known.mu.Lock()
			known.handle = fh
			known.mu.Unlock()
			return existing
		}
	}
	return n.NewInode(ctx, newNode(n.c, fh), fs.StableAttr{Mode: fileType(a.Type), Ino: a.Fileid})
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fh, a, err := n.c.Lookup(ctx, n.fh(), name)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, name, fh, a, out), 0
}

func (n *node) Getattr(ctx context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	a, err := n.c.GetAttr(ctx, n.fh())
	if err != nil {
		return errno(err)
	}
	fillAttr(a, &out.Attr)
	return 0
}

func nfsTime(t time.Time) nfs.SetTime {
	return nfs.SetTime{SetIt: nfs.SetToClientTime, Time: nfs.NFS3Time{Seconds: uint32(t.Unix()), Nseconds: uint32(t.Nanosecond())}}
}

func (n *node) Setattr(ctx context.Context, _ fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if n.c.readOnly {
		return syscall.EROFS
	}
	var s nfs.Sattr3
	if mode, ok := in.GetMode(); ok {
		s.Mode = nfs.SetMode{SetIt: true, Mode: mode & 07777}
	}
	if uid, ok := in.GetUID(); ok {
		s.UID = nfs.SetUID{SetIt: true, UID: uid}
	}
	if gid, ok := in.GetGID(); ok {
		s.GID = nfs.SetUID{SetIt: true, UID: gid}
	}
	if size, ok := in.GetSize(); ok {
		s.Size = nfs.SetSize{SetIt: true, Size: size}
	}
	if t, ok := in.GetATime(); ok {
		s.Atime = nfsTime(t)
	} else if in.Valid&fuse.FATTR_ATIME_NOW != 0 {
		s.Atime = nfs.SetTime{SetIt: nfs.SetToServerTime}
	}
	if t, ok := in.GetMTime(); ok {
		s.Mtime = nfsTime(t)
	} else if in.Valid&fuse.FATTR_MTIME_NOW != 0 {
		s.Mtime = nfs.SetTime{SetIt: nfs.SetToServerTime}
	}
	a, err := n.c.SetAttr(ctx, n.fh(), s)
	if err != nil {
		return errno(err)
	}
	fillAttr(a, &out.Attr)
	return 0
}

func (n *node) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	entries, err := n.c.ReadDir(ctx, n.fh())
	if err != nil {
		return nil, errno(err)
	}
	list := make([]fuse.DirEntry, 0, len(entries))
	for _, e := range entries {
		mode := uint32(0)
		if e.Type != 0 {
			mode = fileType(e.Type)
		}
		list = append(list, fuse.DirEntry{Name: e.Name, Ino: e.FileID, Mode: mode})
	}
	return fs.NewListDirStream(list), 0
}

// Open checks with the server that the file is still there, and has the kernel drop its cached
// pages (no FOPEN_KEEP_CACHE): NFS's close-to-open consistency (nfs(5), "DATA AND METADATA COHERENCE").
func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if n.c.readOnly && flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC) != 0 {
		return nil, 0, syscall.EROFS
	}
	if _, err := n.c.GetAttr(ctx, n.fh()); err != nil {
		return nil, 0, errno(err)
	}
	return nil, 0, 0
}

func (n *node) Read(ctx context.Context, _ fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	max := n.c.info.RTMax
	if max == 0 {
		max = 65536
	}
	done := 0
	for done < len(dest) {
		want := uint32(len(dest) - done)
		if want > max {
			want = max
		}
		data, eof, err := n.c.Read(ctx, n.fh(), uint64(off)+uint64(done), want)
		if err != nil {
			return nil, errno(err)
		}
		done += copy(dest[done:], data)
		if eof || len(data) == 0 {
			break
		}
	}
	return fuse.ReadResultData(dest[:done]), 0
}

func (n *node) Write(ctx context.Context, _ fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	if n.c.readOnly {
		return 0, syscall.EROFS
	}
	max := n.c.info.WTMax
	if max == 0 {
		max = 65536
	}
	var done uint32
	for int(done) < len(data) {
		end := done + max
		if int(end) > len(data) {
			end = uint32(len(data))
		}
		w, err := n.c.Write(ctx, n.fh(), uint64(off)+uint64(done), data[done:end])
		if err != nil {
			return done, errno(err)
		}
		if w == 0 {
			return done, syscall.EIO
		}
		done += w
	}
	return done, 0
}

// Fsync asks the server to commit the file (writes are FILE_SYNC already; this also reports a
// server that is gone, as fsync(2) on the kernel's client would).
func (n *node) Fsync(ctx context.Context, _ fs.FileHandle, _ uint32) syscall.Errno {
	return errno(n.c.Commit(ctx, n.fh()))
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if n.c.readOnly {
		return nil, nil, 0, syscall.EROFS
	}
	fh, a, err := n.c.Create(ctx, n.fh(), name, mode, flags&syscall.O_EXCL != 0)
	if err != nil {
		return nil, nil, 0, errno(err)
	}
	if flags&syscall.O_TRUNC != 0 && a.Filesize != 0 {
		if a, err = n.c.SetAttr(ctx, fh, nfs.Sattr3{Size: nfs.SetSize{SetIt: true, Size: 0}}); err != nil {
			return nil, nil, 0, errno(err)
		}
	}
	return n.child(ctx, name, fh, a, out), nil, 0, 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.c.readOnly {
		return nil, syscall.EROFS
	}
	fh, a, err := n.c.Mkdir(ctx, n.fh(), name, mode)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, name, fh, a, out), 0
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.c.readOnly {
		return nil, syscall.EROFS
	}
	fh, a, err := n.c.Symlink(ctx, n.fh(), name, target)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, name, fh, a, out), 0
}

func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	target, err := n.c.Readlink(ctx, n.fh())
	if err != nil {
		return nil, errno(err)
	}
	return []byte(target), 0
}

func (n *node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.c.readOnly {
		return nil, syscall.EROFS
	}
	t, ok := target.(*node)
	if !ok {
		return nil, syscall.EXDEV
	}
	if err := n.c.Link(ctx, t.fh(), n.fh(), name); err != nil {
		return nil, errno(err)
	}
	return n.Lookup(ctx, name, out)
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	if n.c.readOnly {
		return syscall.EROFS
	}
	return errno(n.c.Remove(ctx, n.fh(), name))
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if n.c.readOnly {
		return syscall.EROFS
	}
	return errno(n.c.RmDir(ctx, n.fh(), name))
}

// Rename is RENAME; NFSv3 has no RENAME_NOREPLACE or RENAME_EXCHANGE (the kernel's client refuses them too).
func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if n.c.readOnly {
		return syscall.EROFS
	}
	if flags != 0 {
		return syscall.EINVAL
	}
	to, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	return errno(n.c.Rename(ctx, n.fh(), name, to.fh(), newName))
}

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	s, err := n.c.Statfs(ctx)
	if err != nil {
		return errno(err)
	}
	const bsize = 4096
	out.Bsize, out.Frsize, out.NameLen = bsize, bsize, 255
	out.Blocks, out.Bfree, out.Bavail = s.TotalBytes/bsize, s.FreeBytes/bsize, s.AvailBytes/bsize
	out.Files, out.Ffree = s.TotalFiles, s.FreeFiles
	return 0
}

// Serve mounts the export at target over FUSE and returns the server (Wait for unmount).
func Serve(c *Client, inv Invocation, opts Options) (*fuse.Server, error) {
	root := newNode(c, c.root)
	attr := opts.AttrCache
	negative := time.Duration(0)
	mountOpts := []string{"default_permissions"}
	c.readOnly = opts.ReadOnly // go-fuse cannot pass MS_RDONLY: the node refuses changes itself
	return fs.Mount(inv.Target, root, &fs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther:  true, // pods run as other users than the mounting root
			FsName:      inv.Server + ":" + inv.Path,
			Name:        "nfs", // the mount's type reads fuse.nfs
			DirectMount: true,  // mount(2) as root: the node image has no fusermount
			MaxWrite:    1 << 20,
			Debug:       os.Getenv("TWIN_NFS_FUSE_DEBUG") != "", // every FUSE request in the log
			Options:     mountOpts,
		},
		EntryTimeout:    &attr,
		AttrTimeout:     &attr,
		NegativeTimeout: &negative,
	})
}
