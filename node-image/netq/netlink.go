package main

// The nfnetlink_queue protocol, written from include/uapi/linux/netfilter/nfnetlink_queue.h and
// include/uapi/linux/netfilter/nfnetlink.h: the kernel hands each queued packet to the socket bound to
// its queue number as an NFQNL_MSG_PACKET, and takes an NFQNL_MSG_VERDICT naming the packet's id back.
// Netlink headers and attribute headers are in host byte order; nfnetlink's own fields big-endian.

import (
	"encoding/binary"
	"errors"
	"fmt"
)

const (
	nfnlSubsysQueue = 3 // NFNL_SUBSYS_QUEUE
	nfnetlinkV0     = 0 // NFNETLINK_V0

	msgPacket  = 0 // NFQNL_MSG_PACKET
	msgVerdict = 1 // NFQNL_MSG_VERDICT
	msgConfig  = 2 // NFQNL_MSG_CONFIG

	cfgCmdBind   = 1 // NFQNL_CFG_CMD_BIND
	cfgCmdUnbind = 2 // NFQNL_CFG_CMD_UNBIND

	attrCfgCmd      = 1 // NFQA_CFG_CMD
	attrCfgParams   = 2 // NFQA_CFG_PARAMS
	attrCfgMaxLen   = 3 // NFQA_CFG_QUEUE_MAXLEN
	attrCfgMask     = 4 // NFQA_CFG_MASK
	attrCfgFlags    = 5 // NFQA_CFG_FLAGS
	cfgFlagFailOpen = 1 // NFQA_CFG_F_FAIL_OPEN: a full queue passes packets instead of dropping them
	copyMeta        = 1 // NFQNL_COPY_META: the packet's id and metadata, none of its bytes

	attrPacketHdr  = 1 // NFQA_PACKET_HDR
	attrVerdictHdr = 2 // NFQA_VERDICT_HDR

	verdictDrop   = 0 // NF_DROP
	verdictAccept = 1 // NF_ACCEPT

	nlmsgError   = 2 // NLMSG_ERROR
	nlmFRequest  = 1 // NLM_F_REQUEST
	nlmFAck      = 4 // NLM_F_ACK
	nlmsgHdrLen  = 16
	nfgenHdrLen  = 4
	nlaHdrLen    = 4
	nlaTypeMask  = 0x3fff // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
	queueMaxLen  = 8192
	netlinkAlign = 4
)

func align(n int) int { return (n + netlinkAlign - 1) &^ (netlinkAlign - 1) }

// attr is one netlink attribute to encode.
type attr struct {
	typ  uint16
	data []byte
}

// message encodes one nfnetlink_queue request for queue `queue`.
func message(msgType uint8, flags uint16, seq uint32, queue uint16, attrs []attr) []byte {
	size := nlmsgHdrLen + nfgenHdrLen
	for _, a := range attrs {
		size += align(nlaHdrLen + len(a.data))
	}
	b := make([]byte, size)
	binary.NativeEndian.PutUint32(b[0:], uint32(size))
	binary.NativeEndian.PutUint16(b[4:], nfnlSubsysQueue<<8|uint16(msgType))
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	// b[12:16], the sender's port id: 0, the kernel assigns it.
	b[16] = 0 // nfgen_family: AF_UNSPEC, a queue takes every family
	b[17] = nfnetlinkV0
	binary.BigEndian.PutUint16(b[18:], queue)
	off := nlmsgHdrLen + nfgenHdrLen
	for _, a := range attrs {
		binary.NativeEndian.PutUint16(b[off:], uint16(nlaHdrLen+len(a.data)))
		binary.NativeEndian.PutUint16(b[off+2:], a.typ)
		copy(b[off+nlaHdrLen:], a.data)
		off += align(nlaHdrLen + len(a.data))
	}
	return b
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// bindMessages are the requests that bind queue `queue` and set it up: metadata only, up to 8192
// packets held, and fail-open, so a queue twin-netq cannot keep up with passes packets on.
func bindMessages(queue uint16) [][]byte {
	params := append(be32(0), copyMeta) // struct nfqnl_msg_config_params: copy_range, copy_mode
	return [][]byte{
		message(msgConfig, nlmFRequest|nlmFAck, 1, queue, []attr{{attrCfgCmd, []byte{cfgCmdBind, 0, 0, 0}}}),
		message(msgConfig, nlmFRequest|nlmFAck, 2, queue, []attr{
			{attrCfgParams, params},
			{attrCfgMaxLen, be32(queueMaxLen)},
			{attrCfgMask, be32(cfgFlagFailOpen)},
			{attrCfgFlags, be32(cfgFlagFailOpen)},
		}),
	}
}

func unbindMessage(queue uint16) []byte {
	return message(msgConfig, nlmFRequest, 3, queue, []attr{{attrCfgCmd, []byte{cfgCmdUnbind, 0, 0, 0}}})
}

// verdictMessage tells the kernel what to do with packet `id` of queue `queue`.
func verdictMessage(queue uint16, id uint32, verdict uint32) []byte {
	hdr := append(be32(verdict), be32(id)...) // struct nfqnl_msg_verdict_hdr
	return message(msgVerdict, nlmFRequest, 0, queue, []attr{{attrVerdictHdr, hdr}})
}

// received is what one netlink message from the kernel says: a queued packet's id, or a request's
// acknowledgement (err 0) or refusal (a negative errno).
type received struct {
	packet   bool
	id       uint32
	ack      bool
	errno    int32
	ackedSeq uint32
}

var errShort = errors.New("truncated netlink message")

// parse splits one datagram from the kernel into its messages.
func parse(b []byte) ([]received, error) {
	var out []received
	for len(b) >= nlmsgHdrLen {
		size := int(binary.NativeEndian.Uint32(b[0:]))
		if size < nlmsgHdrLen || size > len(b) {
			return out, errShort
		}
		typ := binary.NativeEndian.Uint16(b[4:])
		body := b[nlmsgHdrLen:size]
		switch {
		case typ == nlmsgError:
			if len(body) < 4+nlmsgHdrLen {
				return out, errShort
			}
			errno := int32(binary.NativeEndian.Uint32(body[0:]))
			out = append(out, received{ack: true, errno: errno, ackedSeq: binary.NativeEndian.Uint32(body[4+8:])})
		case typ == nfnlSubsysQueue<<8|msgPacket:
			id, err := packetID(body)
			if err != nil {
				return out, err
			}
			out = append(out, received{packet: true, id: id})
		}
		b = b[min(align(size), len(b)):]
	}
	return out, nil
}

// packetID finds NFQA_PACKET_HDR's packet_id in an NFQNL_MSG_PACKET's body.
func packetID(body []byte) (uint32, error) {
	if len(body) < nfgenHdrLen {
		return 0, errShort
	}
	a := body[nfgenHdrLen:]
	for len(a) >= nlaHdrLen {
		size := int(binary.NativeEndian.Uint16(a[0:]))
		if size < nlaHdrLen || size > len(a) {
			return 0, errShort
		}
		if binary.NativeEndian.Uint16(a[2:])&nlaTypeMask == attrPacketHdr && size >= nlaHdrLen+4 {
			return binary.BigEndian.Uint32(a[nlaHdrLen:]), nil
		}
		a = a[min(align(size), len(a)):]
	}
	return 0, fmt.Errorf("packet message without NFQA_PACKET_HDR")
}
