package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
	nfs "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// NFSv3 procedures (RFC 1813) this client uses beyond those go-nfs-client names.
const (
	nfsProcFSStat = 18
	nfsProcLink   = 15
	// stable_how (RFC 1813 §3.3.7)
	fileSync = 2
)

// statusErrno maps an nfsstat3 (RFC 1813 §2.6) to the errno Linux's NFS client returns for it.
func statusErrno(status uint32) syscall.Errno {
	switch status {
	case nfs.NFS3ErrPerm:
		return syscall.EPERM
	case nfs.NFS3ErrNoEnt:
		return syscall.ENOENT
	case nfs.NFS3ErrIO:
		return syscall.EIO
	case nfs.NFS3ErrNXIO:
		return syscall.ENXIO
	case nfs.NFS3ErrAcces:
		return syscall.EACCES
	case nfs.NFS3ErrExist:
		return syscall.EEXIST
	case nfs.NFS3ErrXDev:
		return syscall.EXDEV
	case nfs.NFS3ErrNoDev:
		return syscall.ENODEV
	case nfs.NFS3ErrNotDir:
		return syscall.ENOTDIR
	case nfs.NFS3ErrIsDir:
		return syscall.EISDIR
	case nfs.NFS3ErrInval:
		return syscall.EINVAL
	case nfs.NFS3ErrFBig:
		return syscall.EFBIG
	case nfs.NFS3ErrNoSpc:
		return syscall.ENOSPC
	case nfs.NFS3ErrROFS:
		return syscall.EROFS
	case nfs.NFS3ErrMLink:
		return syscall.EMLINK
	case nfs.NFS3ErrNameTooLong:
		return syscall.ENAMETOOLONG
	case nfs.NFS3ErrNotEmpty:
		return syscall.ENOTEMPTY
	case nfs.NFS3ErrDQuot:
		return syscall.EDQUOT
	case nfs.NFS3ErrStale, nfs.NFS3ErrBadHandle:
		return syscall.ESTALE
	case nfs.NFS3ErrRemote:
		return syscall.EREMOTE
	case nfs.NFS3ErrNotSupp, nfs.NFS3ErrBadType:
		return syscall.EOPNOTSUPP
	case nfs.NFS3ErrServerFault:
		return syscall.EREMOTEIO
	}
	return syscall.EIO
}

// nfsError is a procedure's non-OK status.
type nfsError struct {
	proc   uint32
	status uint32
}

func (e *nfsError) Error() string {
	return fmt.Sprintf("NFSv3 procedure %d: status %d (%v)", e.proc, e.status, statusErrno(e.status))
}

// errno is what a FUSE operation returns for err: the server's status, EINTR for an interrupted
// call, EIO for a soft mount's time-out or anything else.
func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(*nfsError); ok {
		return statusErrno(e.status)
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EIO
}

// Client is an NFSv3 client of one export.
type Client struct {
	server   string
	machine  string
	nfs      *rpcClient
	root     []byte
	info     nfs.FSInfo
	creds    sync.Map // uid<<32|gid -> rpc.Auth
	readOnly bool     // mounted ro: changes are refused with EROFS
}

// Dial mounts the export over MOUNT v3 (RFC 1813 appendix I) and connects to NFSv3, at the ports
// given or those the server's portmapper names.
func Dial(ctx context.Context, server, path string, opts Options, logf func(string, ...any)) (*Client, error) {
	machine, _ := os.Hostname()
	mountPort := fixedPort(opts.MountPort)
	if opts.MountPort == 0 {
		mountPort = portmapLookup(server, nfs.MountProg, nfs.MountVers, opts, logf)
	}
	m := newRPCClient(server, mountPort, opts, logf)
	defer m.close()
	r, err := m.call(ctx, nfs.MountProg, nfs.MountVers, nfs.MountProc3MNT, unixCred(machine, 0, 0), &struct{ Path string }{path})
	if err != nil {
		return nil, fmt.Errorf("MOUNT %s:%s: %w", server, path, err)
	}
	status, err := xdr.ReadUint32(r)
	if err != nil {
		return nil, err
	}
	if status != 0 {
		return nil, fmt.Errorf("MOUNT %s:%s refused: mountstat3 %d (%w)", server, path, status, statusErrno(status))
	}
	fh, err := xdr.ReadOpaque(r)
	if err != nil {
		return nil, err
	}
	nfsPort := fixedPort(opts.Port)
	if opts.Port == 0 {
		nfsPort = portmapLookup(server, nfs.Nfs3Prog, nfs.Nfs3Vers, opts, logf)
	}
	c := &Client{server: server, machine: machine, nfs: newRPCClient(server, nfsPort, opts, logf), root: fh}
	r, err = c.call(ctx, nfs.NFSProc3FSInfo, &struct{ FH []byte }{fh})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("FSINFO: %w", err)
	}
	if err := xdr.Read(r, &c.info); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close drops the connection.
func (c *Client) Close() { c.nfs.close() }

// cred is the AUTH_UNIX credential of the process making the FUSE request (root without one),
// so the server checks permissions and owns new files as the kernel's client would.
func (c *Client) cred(ctx context.Context) rpc.Auth {
	var uid, gid uint32
	if caller, ok := fuse.FromContext(ctx); ok {
		uid, gid = caller.Uid, caller.Gid
	}
	key := uint64(uid)<<32 | uint64(gid)
	if a, ok := c.creds.Load(key); ok {
		return a.(rpc.Auth)
	}
	a := unixCred(c.machine, uid, gid)
	c.creds.Store(key, a)
	return a
}

func (c *Client) call(ctx context.Context, proc uint32, args any) (*bytes.Reader, error) {
	r, err := c.nfs.call(ctx, nfs.Nfs3Prog, nfs.Nfs3Vers, proc, c.cred(ctx), args)
	if err != nil {
		return nil, err
	}
	status, err := xdr.ReadUint32(r)
	if err != nil {
		return nil, err
	}
	if status != nfs.NFS3Ok {
		return nil, &nfsError{proc: proc, status: status}
	}
	return r, nil
}

type dirOp struct {
	Dir  []byte
	Name string
}

// postOpAttr reads a post_op_attr; nil when the server sent none.
func postOpAttr(r *bytes.Reader) (*nfs.Fattr, error) {
	var a nfs.PostOpAttr
	if err := xdr.Read(r, &a); err != nil {
		return nil, err
	}
	if !a.IsSet {
		return nil, nil
	}
	return &a.Attr, nil
}

// newObject reads what CREATE, MKDIR and SYMLINK return (post_op_fh3, post_op_attr), looking the
// name up when the server left either out.
func (c *Client) newObject(ctx context.Context, r *bytes.Reader, dir []byte, name string) ([]byte, *nfs.Fattr, error) {
	var fh nfs.PostOpFH3
	if err := xdr.Read(r, &fh); err != nil {
		return nil, nil, err
	}
	attr, err := postOpAttr(r)
	if err != nil {
		return nil, nil, err
	}
	if !fh.IsSet || attr == nil {
		return c.Lookup(ctx, dir, name)
	}
	return fh.FH, attr, nil
}

// GetAttr is GETATTR.
func (c *Client) GetAttr(ctx context.Context, fh []byte) (*nfs.Fattr, error) {
	r, err := c.call(ctx, nfs.NFSProc3GetAttr, &struct{ FH []byte }{fh})
	if err != nil {
		return nil, err
	}
	var a nfs.Fattr
	return &a, xdr.Read(r, &a)
}

// SetAttr is SETATTR without a guard; it returns the attributes after the change.
func (c *Client) SetAttr(ctx context.Context, fh []byte, s nfs.Sattr3) (*nfs.Fattr, error) {
	_, err := c.call(ctx, nfs.NFSProc3SetAttr, &struct {
		FH    []byte
		Attr  nfs.Sattr3
		Guard uint32
	}{fh, s, 0})
	if err != nil {
		return nil, err
	}
	return c.GetAttr(ctx, fh)
}

// Lookup is LOOKUP of name in dir.
func (c *Client) Lookup(ctx context.Context, dir []byte, name string) ([]byte, *nfs.Fattr, error) {
	r, err := c.call(ctx, nfs.NFSProc3Lookup, &dirOp{dir, name})
	if err != nil {
		return nil, nil, err
	}
	fh, err := xdr.ReadOpaque(r)
	if err != nil {
		return nil, nil, err
	}
	attr, err := postOpAttr(r)
	if err != nil {
		return nil, nil, err
	}
	if attr == nil {
		attr, err = c.GetAttr(ctx, fh)
	}
	return fh, attr, err
}

// Read is READ of up to count bytes at off.
func (c *Client) Read(ctx context.Context, fh []byte, off uint64, count uint32) ([]byte, bool, error) {
	r, err := c.call(ctx, nfs.NFSProc3Read, &struct {
		FH     []byte
		Offset uint64
		Count  uint32
	}{fh, off, count})
	if err != nil {
		return nil, false, err
	}
	if _, err := postOpAttr(r); err != nil {
		return nil, false, err
	}
	var res struct {
		Count uint32
		EOF   bool
		Data  []byte
	}
	if err := xdr.Read(r, &res); err != nil {
		return nil, false, err
	}
	return res.Data, res.EOF, nil
}

// Write is WRITE with FILE_SYNC: the server has the data on stable storage when it answers, so a
// server that restarts loses nothing acknowledged (the kernel client writes UNSTABLE and COMMITs).
func (c *Client) Write(ctx context.Context, fh []byte, off uint64, data []byte) (uint32, error) {
	r, err := c.call(ctx, nfs.NFSProc3Write, &struct {
		FH     []byte
		Offset uint64
		Count  uint32
		Stable uint32
		Data   []byte
	}{fh, off, uint32(len(data)), fileSync, data})
	if err != nil {
		return 0, err
	}
	var res struct {
		Wcc       nfs.WccData
		Count     uint32
		Committed uint32
		Verf      uint64
	}
	if err := xdr.Read(r, &res); err != nil {
		return 0, err
	}
	return res.Count, nil
}

// Commit is COMMIT of the whole file.
func (c *Client) Commit(ctx context.Context, fh []byte) error {
	_, err := c.call(ctx, nfs.NFSProc3Commit, &struct {
		FH     []byte
		Offset uint64
		Count  uint32
	}{fh, 0, 0})
	return err
}

// Create is CREATE (GUARDED when exclusive: the name must not exist; UNCHECKED otherwise).
func (c *Client) Create(ctx context.Context, dir []byte, name string, mode uint32, exclusive bool) ([]byte, *nfs.Fattr, error) {
	how := uint32(0)
	if exclusive {
		how = 1
	}
	r, err := c.call(ctx, nfs.NFSProc3Create, &struct {
		Where dirOp
		How   uint32
		Attr  nfs.Sattr3
	}{dirOp{dir, name}, how, nfs.Sattr3{Mode: nfs.SetMode{SetIt: true, Mode: mode & 07777}}})
	if err != nil {
		return nil, nil, err
	}
	return c.newObject(ctx, r, dir, name)
}

// Mkdir is MKDIR.
func (c *Client) Mkdir(ctx context.Context, dir []byte, name string, mode uint32) ([]byte, *nfs.Fattr, error) {
	r, err := c.call(ctx, nfs.NFSProc3Mkdir, &struct {
		Where dirOp
		Attr  nfs.Sattr3
	}{dirOp{dir, name}, nfs.Sattr3{Mode: nfs.SetMode{SetIt: true, Mode: mode & 07777}}})
	if err != nil {
		return nil, nil, err
	}
	return c.newObject(ctx, r, dir, name)
}

// Symlink is SYMLINK.
func (c *Client) Symlink(ctx context.Context, dir []byte, name, target string) ([]byte, *nfs.Fattr, error) {
	r, err := c.call(ctx, nfs.NFSProc3Symlink, &struct {
		Where  dirOp
		Attr   nfs.Sattr3
		Target string
	}{dirOp{dir, name}, nfs.Sattr3{Mode: nfs.SetMode{SetIt: true, Mode: 0o777}}, target})
	if err != nil {
		return nil, nil, err
	}
	return c.newObject(ctx, r, dir, name)
}

// Readlink is READLINK.
func (c *Client) Readlink(ctx context.Context, fh []byte) (string, error) {
	r, err := c.call(ctx, nfs.NFSProc3Readlink, &struct{ FH []byte }{fh})
	if err != nil {
		return "", err
	}
	if _, err := postOpAttr(r); err != nil {
		return "", err
	}
	var target string
	return target, xdr.Read(r, &target)
}

// Link is LINK: a new name in dir for fh.
func (c *Client) Link(ctx context.Context, fh, dir []byte, name string) error {
	_, err := c.call(ctx, nfsProcLink, &struct {
		FH   []byte
		Link dirOp
	}{fh, dirOp{dir, name}})
	return err
}

// Remove is REMOVE (a file), RmDir RMDIR.
func (c *Client) Remove(ctx context.Context, dir []byte, name string) error {
	_, err := c.call(ctx, nfs.NFSProc3Remove, &dirOp{dir, name})
	return err
}

// RmDir is RMDIR.
func (c *Client) RmDir(ctx context.Context, dir []byte, name string) error {
	_, err := c.call(ctx, nfs.NFSProc3RmDir, &dirOp{dir, name})
	return err
}

// Rename is RENAME.
func (c *Client) Rename(ctx context.Context, fromDir []byte, from string, toDir []byte, to string) error {
	_, err := c.call(ctx, nfs.NFSProc3Rename, &struct{ From, To dirOp }{dirOp{fromDir, from}, dirOp{toDir, to}})
	return err
}

// DirEntry is one name READDIRPLUS returned, with its file type when the server sent attributes.
type DirEntry struct {
	Name   string
	FileID uint64
	Type   uint32 // ftype3; 0 when unknown
}

// ReadDir is READDIRPLUS (RFC 1813 §3.3.17) until EOF.
func (c *Client) ReadDir(ctx context.Context, dir []byte) ([]DirEntry, error) {
	var entries []DirEntry
	var cookie, verf uint64
	for {
		r, err := c.call(ctx, nfs.NFSProc3ReadDirPlus, &struct {
			Dir      []byte
			Cookie   uint64
			Verf     uint64
			DirCount uint32
			MaxCount uint32
		}{dir, cookie, verf, 8192, 65536})
		if err != nil {
			return nil, err
		}
		if _, err := postOpAttr(r); err != nil {
			return nil, err
		}
		if err := xdr.Read(r, &verf); err != nil {
			return nil, err
		}
		for {
			follows, err := xdr.ReadUint32(r)
			if err != nil {
				return nil, err
			}
			if follows == 0 {
				break
			}
			var e nfs.EntryPlus
			if err := xdr.Read(r, &e); err != nil {
				return nil, err
			}
			entry := DirEntry{Name: e.FileName, FileID: e.FileId}
			if e.Attr.IsSet {
				entry.Type = e.Attr.Attr.Type
			}
			entries = append(entries, entry)
			cookie = e.Cookie
		}
		eof, err := xdr.ReadUint32(r)
		if err != nil {
			return nil, err
		}
		if eof != 0 {
			return entries, nil
		}
	}
}

// FSStat is FSSTAT.
type FSStat struct {
	TotalBytes, FreeBytes, AvailBytes, TotalFiles, FreeFiles, AvailFiles uint64
}

// Statfs is FSSTAT of the export.
func (c *Client) Statfs(ctx context.Context) (*FSStat, error) {
	r, err := c.call(ctx, nfsProcFSStat, &struct{ FH []byte }{c.root})
	if err != nil {
		return nil, err
	}
	if _, err := postOpAttr(r); err != nil {
		return nil, err
	}
	var s FSStat
	return &s, xdr.Read(r, &s)
}

func sattrSize(size uint64) nfs.Sattr3 { return nfs.Sattr3{Size: nfs.SetSize{SetIt: true, Size: size}} }
