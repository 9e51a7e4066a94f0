package main

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	c, err := parseConfig(strings.NewReader("# a link-degrade\ndelay 0.15\n\nloss 0.025\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.delay != 150*time.Millisecond || c.loss != 0.025 {
		t.Fatalf("got %v", c)
	}
	for _, bad := range []string{"delay -1\n", "delay 61\n", "loss 1.5\n", "loss x\n", "jitter 0.1\n", "delay\n", "loss NaN\n"} {
		if _, err := parseConfig(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	c, err = parseConfig(strings.NewReader(""))
	if err != nil || c.delay != 0 || c.loss != 0 {
		t.Fatalf("empty file: %v %v", c, err)
	}
}

func TestBindMessages(t *testing.T) {
	m := bindMessages(7)
	if len(m) != 2 {
		t.Fatalf("%d messages", len(m))
	}
	bind := m[0]
	// nlmsghdr 16 + nfgenmsg 4 + one 8-byte attribute
	if len(bind) != 28 || binary.NativeEndian.Uint32(bind) != 28 {
		t.Fatalf("bind length %d", len(bind))
	}
	if typ := binary.NativeEndian.Uint16(bind[4:]); typ != 3<<8|2 {
		t.Fatalf("type %#x, want NFNL_SUBSYS_QUEUE<<8|NFQNL_MSG_CONFIG", typ)
	}
	if binary.BigEndian.Uint16(bind[18:]) != 7 {
		t.Fatalf("res_id %d", binary.BigEndian.Uint16(bind[18:]))
	}
	if binary.NativeEndian.Uint16(bind[22:]) != attrCfgCmd || bind[24] != cfgCmdBind {
		t.Fatalf("attribute % x", bind[20:])
	}
	params := m[1]
	// the 5-byte params attribute is padded to 12
	if len(params) != 20+12+8+8+8 {
		t.Fatalf("params length %d", len(params))
	}
	if params[20+4+4] != copyMeta {
		t.Fatalf("copy mode %d", params[28])
	}
	if binary.BigEndian.Uint32(params[20+12+4:]) != queueMaxLen {
		t.Fatal("queue maxlen")
	}
}

func TestVerdictAndPacketRoundTrip(t *testing.T) {
	v := verdictMessage(7, 0xdeadbeef, verdictDrop)
	if binary.BigEndian.Uint32(v[24:]) != verdictDrop || binary.BigEndian.Uint32(v[28:]) != 0xdeadbeef {
		t.Fatalf("verdict % x", v)
	}
	// Two packet messages in one datagram, as the kernel sends them, and an acknowledgement.
	pkt := func(id uint32) []byte {
		hdr := binary.BigEndian.AppendUint32(nil, id)
		hdr = append(hdr, 0x08, 0x00, 3) // hw_protocol, hook: 7 bytes, padded
		return message(msgPacket, 0, 0, 7, []attr{{7, []byte{1, 2, 3, 4}}, {attrPacketHdr, hdr}})
	}
	ack := make([]byte, 36)
	binary.NativeEndian.PutUint32(ack, 36)
	binary.NativeEndian.PutUint16(ack[4:], nlmsgError)
	binary.NativeEndian.PutUint32(ack[16:], uint32(0xffffffff)) // -EPERM
	binary.NativeEndian.PutUint32(ack[28:], 2)                  // the refused request's seq
	b := append(append(pkt(41), pkt(42)...), ack...)
	got, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].id != 41 || got[1].id != 42 || !got[2].ack || got[2].errno != -1 || got[2].ackedSeq != 2 {
		t.Fatalf("%+v", got)
	}
	if _, err := parse(b[:len(b)-40]); err == nil {
		t.Fatal("a truncated datagram parsed")
	}
}

func TestFifoKeepsOrderAndFlushesOnClose(t *testing.T) {
	f := newFifo()
	now := time.Now()
	f.push(heldPacket{id: 1, release: now.Add(time.Hour)})
	f.push(heldPacket{id: 2, release: now})
	p, ok := f.next()
	if !ok || p.id != 1 {
		t.Fatalf("first out %v", p)
	}
	f.close()
	p, ok = f.next()
	if !ok || p.id != 2 || !p.release.IsZero() {
		t.Fatalf("after close %v %v", p, ok)
	}
	if _, ok := f.next(); ok {
		t.Fatal("an empty closed queue returned a packet")
	}
}
