package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// errTimedOut is a soft mount's failure after retrans retransmissions (the caller sees EIO).
var errTimedOut = errors.New("timed out")

// rpcClient is ONC RPC (RFC 5531) over one TCP connection to one program on the server, with
// the kernel NFS client's retransmission rules (nfs(5) timeo, retrans, hard/soft): a try waits
// timeo, the next one timeo longer (linear backoff, at most 600 s); a soft mount gives up after
// retrans retransmissions, a hard one starts over ("server not responding, still trying") until
// the server answers or the caller is interrupted. A try that finds the connection gone (a server
// restarted, a host powered off) dials again; the request keeps its XID, so a server's duplicate
// request cache can recognise a retransmission.
type rpcClient struct {
	host   string
	port   func(ctx context.Context) (int, error) // where the program listens (fixed, or the portmapper)
	cached int                                    // the port last found (under mu); 0: ask again
	opts   Options
	logf   func(format string, args ...any)
	xid    atomic.Uint32
	mu     sync.Mutex
	conn   *rpcConn
	warned atomic.Bool // "not responding" said, "OK" not yet
}

type rpcConn struct {
	c       net.Conn
	mu      sync.Mutex
	pending map[uint32]chan []byte
	dead    chan struct{}
	once    sync.Once
}

func newRPCClient(host string, port func(ctx context.Context) (int, error), opts Options, logf func(string, ...any)) *rpcClient {
	c := &rpcClient{host: host, port: port, opts: opts, logf: logf}
	c.xid.Store(rand.Uint32())
	return c
}

func fixedPort(p int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return p, nil }
}

func (rc *rpcConn) close() {
	rc.once.Do(func() {
		close(rc.dead)
		_ = rc.c.Close()
	})
}

// receive reads record-marked replies (RFC 5531 §11) and hands each to the call waiting for its XID.
func (rc *rpcConn) receive() {
	defer rc.close()
	var record []byte
	for {
		var mark [4]byte
		if _, err := io.ReadFull(rc.c, mark[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(mark[:])
		frag := make([]byte, n&0x7fffffff)
		if _, err := io.ReadFull(rc.c, frag); err != nil {
			return
		}
		record = append(record, frag...)
		if n&0x80000000 == 0 {
			continue
		}
		if len(record) >= 4 {
			xid := binary.BigEndian.Uint32(record)
			rc.mu.Lock()
			ch := rc.pending[xid]
			delete(rc.pending, xid)
			rc.mu.Unlock()
			if ch != nil {
				ch <- record
			}
		}
		record = nil
	}
}

// connect returns the live connection, dialling one before deadline when there is none.
func (c *rpcClient) connect(ctx context.Context, deadline time.Time) (*rpcConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		select {
		case <-c.conn.dead:
			c.conn = nil
		default:
			return c.conn, nil
		}
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if c.cached == 0 {
		port, err := c.port(dctx)
		if err != nil {
			return nil, err
		}
		c.cached = port
	}
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", net.JoinHostPort(c.host, strconv.Itoa(c.cached)))
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			c.cached = 0 // a restarted server may listen elsewhere: ask the portmapper again
		}
		return nil, err
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetKeepAlive(true)
		_ = tcp.SetKeepAlivePeriod(15 * time.Second)
	}
	rc := &rpcConn{c: conn, pending: map[uint32]chan []byte{}, dead: make(chan struct{})}
	go rc.receive()
	c.conn = rc
	return rc, nil
}

// drop closes conn (a try timed out on it): the next try dials a new connection.
func (c *rpcClient) drop(rc *rpcConn) {
	rc.close()
	c.mu.Lock()
	if c.conn == rc {
		c.conn = nil
	}
	c.mu.Unlock()
}

func (c *rpcClient) close() {
	c.mu.Lock()
	if c.conn != nil {
		c.conn.close()
		c.conn = nil
	}
	c.mu.Unlock()
}

type callHeader struct {
	Xid     uint32
	MsgType uint32 // 0: CALL
	rpc.Header
}

// call sends one procedure call and returns the reply's results (after the accepted-reply header).
func (c *rpcClient) call(ctx context.Context, prog, vers, proc uint32, cred rpc.Auth, args any) (*bytes.Reader, error) {
	xid := c.xid.Add(1)
	var body bytes.Buffer
	hdr := callHeader{Xid: xid, Header: rpc.Header{Rpcvers: 2, Prog: prog, Vers: vers, Proc: proc, Cred: cred, Verf: rpc.AuthNull}}
	if err := xdr.Write(&body, &hdr); err != nil {
		return nil, err
	}
	if args != nil {
		if err := xdr.Write(&body, args); err != nil {
			return nil, err
		}
	}
	msg := make([]byte, 4+body.Len())
	binary.BigEndian.PutUint32(msg, uint32(body.Len())|0x80000000)
	copy(msg[4:], body.Bytes())

	for try := 0; ; try++ {
		step := try % (c.opts.Retrans + 1) // a hard mount starts the backoff over after a major timeout
		timeout := c.opts.Timeo * time.Duration(step+1)
		if timeout > maxTimeo {
			timeout = maxTimeo
		}
		reply, err := c.try(ctx, xid, msg, time.Now().Add(timeout))
		if err == nil {
			if c.warned.CompareAndSwap(true, false) {
				c.logf("nfs: server %s OK", c.host)
			}
			return parseReply(reply)
		}
		if ctx.Err() != nil {
			return nil, syscall.EINTR
		}
		if step == c.opts.Retrans {
			if !c.opts.Hard {
				c.logf("nfs: server %s not responding, timed out (prog %d proc %d)", c.host, prog, proc)
				return nil, errTimedOut
			}
			if c.warned.CompareAndSwap(false, true) {
				c.logf("nfs: server %s not responding, still trying (%v)", c.host, err)
			}
		}
	}
}

// try sends msg once and waits for its reply until deadline, dialling again when the connection
// drops in between (as the kernel's transport reconnects and retransmits).
func (c *rpcClient) try(ctx context.Context, xid uint32, msg []byte, deadline time.Time) ([]byte, error) {
	var lastErr error = errTimedOut
	for time.Now().Before(deadline) {
		rc, err := c.connect(ctx, deadline)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			lastErr = err
			// refused or unreachable: wait a little before dialling again, within this try
			pause := time.Until(deadline)
			if pause > time.Second {
				pause = time.Second
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(pause):
			}
			continue
		}
		ch := make(chan []byte, 1)
		rc.mu.Lock()
		rc.pending[xid] = ch
		rc.mu.Unlock()
		_ = rc.c.SetWriteDeadline(deadline)
		rc.mu.Lock()
		_, err = rc.c.Write(msg)
		rc.mu.Unlock()
		if err != nil {
			lastErr = err
			c.drop(rc)
			continue
		}
		timer := time.NewTimer(time.Until(deadline))
		select {
		case reply := <-ch:
			timer.Stop()
			return reply, nil
		case <-rc.dead:
			timer.Stop()
			lastErr = errors.New("connection closed")
			select { // the server closed it: dial again shortly
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			continue
		case <-ctx.Done():
			timer.Stop()
			rc.mu.Lock()
			delete(rc.pending, xid)
			rc.mu.Unlock()
			return nil, ctx.Err()
		case <-timer.C:
			rc.mu.Lock()
			delete(rc.pending, xid)
			rc.mu.Unlock()
			c.drop(rc)
			return nil, fmt.Errorf("no reply within %v", c.opts.Timeo)
		}
	}
	return nil, lastErr
}

// parseReply checks an RPC reply's header (RFC 5531 §9) and returns the procedure's results.
func parseReply(reply []byte) (*bytes.Reader, error) {
	r := bytes.NewReader(reply)
	var head struct{ Xid, MsgType, ReplyStat uint32 }
	if err := xdr.Read(r, &head); err != nil {
		return nil, err
	}
	if head.MsgType != 1 {
		return nil, fmt.Errorf("rpc: message type %d is not a reply", head.MsgType)
	}
	if head.ReplyStat != 0 {
		return nil, fmt.Errorf("rpc: call denied (reply_stat %d): %w", head.ReplyStat, syscall.EACCES)
	}
	var verf rpc.Auth
	if err := xdr.Read(r, &verf); err != nil {
		return nil, err
	}
	stat, err := xdr.ReadUint32(r)
	if err != nil {
		return nil, err
	}
	switch stat {
	case 0:
		return r, nil
	case 1:
		return nil, fmt.Errorf("rpc: program unavailable: %w", syscall.EPROTONOSUPPORT)
	case 2:
		return nil, fmt.Errorf("rpc: program version mismatch: %w", syscall.EPROTONOSUPPORT)
	case 3:
		return nil, fmt.Errorf("rpc: procedure unavailable: %w", syscall.ENOSYS)
	default:
		return nil, fmt.Errorf("rpc: accept_stat %d: %w", stat, syscall.EIO)
	}
}

// authUnix is an AUTH_UNIX credential (RFC 5531 appendix A) for one caller.
type authUnix struct {
	Stamp   uint32
	Machine string
	UID     uint32
	GID     uint32
	GIDs    []uint32
}

func unixCred(machine string, uid, gid uint32) rpc.Auth {
	var b bytes.Buffer
	_ = xdr.Write(&b, &authUnix{Stamp: uint32(time.Now().Unix()), Machine: machine, UID: uid, GID: gid, GIDs: []uint32{gid}})
	return rpc.Auth{Flavor: 1, Body: b.Bytes()}
}

// portmapLookup asks the server's portmapper (RFC 1833 PMAPPROC_GETPORT, port 111) where prog
// vers listens over TCP; each try follows the mount's own timeo/retrans rules.
func portmapLookup(host string, prog, vers uint32, opts Options, logf func(string, ...any)) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		pm := newRPCClient(host, fixedPort(rpc.PmapPort), Options{Hard: false, Timeo: opts.Timeo, Retrans: 0}, logf)
		defer pm.close()
		deadline, ok := ctx.Deadline()
		if ok && time.Until(deadline) < pm.opts.Timeo {
			pm.opts.Timeo = time.Until(deadline)
		}
		if pm.opts.Timeo <= 0 {
			return 0, errTimedOut
		}
		r, err := pm.call(ctx, rpc.PmapProg, rpc.PmapVers, rpc.PmapProcGetPort, rpc.AuthNull,
			&rpc.Mapping{Prog: prog, Vers: vers, Prot: rpc.IPProtoTCP})
		if err != nil {
			return 0, fmt.Errorf("portmapper on %s: %w", host, err)
		}
		port, err := xdr.ReadUint32(r)
		if err != nil {
			return 0, err
		}
		if port == 0 {
			return 0, fmt.Errorf("program %d version %d is not registered with the portmapper on %s: %w", prog, vers, host, syscall.ECONNREFUSED)
		}
		return int(port), nil
	}
}
