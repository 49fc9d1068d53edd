package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// revHashSize is the length of the content hash in a revision ID.
const revHashSize = 16

// revKeySize is a revision as stored in keys: generation then hash.
const revKeySize = 4 + revHashSize

// Rev identifies one revision of a record: its generation (1 for a new
// record, parent's plus one after) and a hash over its content and parents.
type Rev struct {
	Gen  uint32
	Hash [revHashSize]byte
}

// String gives the revision in its printed form, "3-9f86d081884c7d65...".
func (r Rev) String() string {
	if r.Gen == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(r.Gen), 10) + "-" + hex.EncodeToString(r.Hash[:])
}

// IsZero reports whether r is the empty revision (no parent).
func (r Rev) IsZero() bool { return r.Gen == 0 }

// ParseRev reads a revision in its printed form. The empty string is the
// zero Rev.
func ParseRev(s string) (Rev, error) {
	var r Rev
	if s == "" {
		return r, nil
	}
	g, h, ok := strings.Cut(s, "-")
	if !ok {
		return r, fmt.Errorf("%w: revision %q is not of the form N-HASH", ErrInvalid, s)
	}
	gen, err := strconv.ParseUint(g, 10, 32)
	if err != nil || gen == 0 {
		return r, fmt.Errorf("%w: revision %q has a bad generation", ErrInvalid, s)
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != revHashSize {
		return r, fmt.Errorf("%w: revision %q has a bad hash", ErrInvalid, s)
	}
	r.Gen = uint32(gen)
	copy(r.Hash[:], b)
	return r, nil
}

func (r Rev) key() []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, revKeySize), r.Gen)
	return append(b, r.Hash[:]...)
}

func revFromKey(b []byte) (Rev, error) {
	var r Rev
	if len(b) != revKeySize {
		return r, fmt.Errorf("%w: revision key of %d bytes", ErrTampered, len(b))
	}
	r.Gen = binary.BigEndian.Uint32(b)
	copy(r.Hash[:], b[4:])
	return r, nil
}

func (r Rev) compare(o Rev) int {
	if r.Gen != o.Gen {
		if r.Gen < o.Gen {
			return -1
		}
		return 1
	}
	return bytes.Compare(r.Hash[:], o.Hash[:])
}

// envelope is a revision as stored: the clear metadata that routes it and
// the sealed payload. Every field is covered by the revision hash, and all
// but the sealed bytes are bound into the seal as associated data.
type envelope struct {
	Type    string
	Gen     uint32
	Parents []Rev
	Device  string
	// Meta (envelope format 2, for revisions sealed outside the general
	// compartment): the revision's HLC and deletion, which the change feed
	// and the heads hold in clear anyway, so that a workstation whose user
	// does not hold the compartment's key can still keep the record's
	// heads. Whoever opens the payload checks they match it.
	Meta    bool
	HLC     HLC
	Deleted bool
	// Resealed: the payload was sealed again under a newer key epoch
	// after a rotation (rotate.go); its seal binds the revision ID, which
	// no longer is the hash of these bytes.
	Resealed bool
	Sealed   []byte
}

const (
	envelopeVersion     = 1
	envelopeVersionMeta = 2
	// envelopeResealed is added to the version of a re-sealed envelope
	// (3 and 4).
	envelopeResealed = 2
)

// maxParents bounds the parents of one revision (a merge of conflicts).
const maxParents = 64

func (e *envelope) encode() []byte {
	b := make([]byte, 0, 64+len(e.Sealed)+len(e.Parents)*revKeySize)
	v := byte(envelopeVersion)
	if e.Meta {
		v = envelopeVersionMeta
	}
	if e.Resealed {
		v += envelopeResealed
	}
	b = append(b, v)
	b = appendString(b, e.Type)
	b = binary.BigEndian.AppendUint32(b, e.Gen)
	b = binary.AppendUvarint(b, uint64(len(e.Parents)))
	for _, p := range e.Parents {
		b = append(b, p.key()...)
	}
	b = appendString(b, e.Device)
	if e.Meta {
		b = binary.BigEndian.AppendUint64(b, uint64(e.HLC))
		var f byte
		if e.Deleted {
			f = 1
		}
		b = append(b, f)
	}
	return append(b, e.Sealed...)
}

// decodeEnvelope parses stored envelope bytes. It never panics on bad input.
func decodeEnvelope(b []byte) (envelope, error) {
	var e envelope
	r := reader{b: b}
	v := r.byte()
	if v == envelopeVersion+envelopeResealed || v == envelopeVersionMeta+envelopeResealed {
		e.Resealed = true
		v -= envelopeResealed
	}
	if v != envelopeVersion && v != envelopeVersionMeta {
		return e, fmt.Errorf("%w: unknown revision format %d", ErrTampered, v)
	}
	e.Type = r.string(maxIDLen)
	e.Gen = r.u32()
	n := r.uvarint()
	if n > maxParents {
		return e, fmt.Errorf("%w: revision claims %d parents", ErrTampered, n)
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		p, err := revFromKey(r.take(revKeySize))
		if err != nil {
			return e, err
		}
		e.Parents = append(e.Parents, p)
	}
	e.Device = r.string(maxIDLen)
	if v == envelopeVersionMeta {
		e.Meta = true
		e.HLC = HLC(r.u64())
		f := r.byte()
		if f > 1 {
			return e, fmt.Errorf("%w: revision flags %d", ErrTampered, f)
		}
		e.Deleted = f == 1
	}
	e.Sealed = r.rest()
	if r.err != nil {
		return e, fmt.Errorf("%w: revision: %v", ErrTampered, r.err)
	}
	if e.Gen == 0 {
		return e, fmt.Errorf("%w: revision generation 0", ErrTampered)
	}
	return e, nil
}

// revFor computes the revision ID of an envelope of record id.
func revFor(id string, env []byte, gen uint32) Rev {
	h := sha256.New()
	h.Write(appendString(nil, id))
	h.Write(env)
	var r Rev
	r.Gen = gen
	copy(r.Hash[:], h.Sum(nil))
	return r
}

// revAD is the associated data that binds a revision's payload to its place.
func revAD(id string, e *envelope) []byte {
	ad := adBuilder("revs").str(id).str(e.Type).u64(uint64(e.Gen)).str(e.Device)
	for _, p := range e.Parents {
		ad = ad.bytes(p.key())
	}
	return ad
}

// payload is the sealed part of a revision.
type payload struct {
	HLC     HLC
	Author  string
	Deleted bool
	Reason  string
	Body    []byte
	// Signer and Sig: the signature of a revision whose type needs one
	// (keys.go); payload format 2.
	Signer byte
	Sig    []byte
}

const (
	payloadVersion       = 1
	payloadVersionSigned = 2
)

func (p *payload) encode() []byte {
	b := make([]byte, 0, 32+len(p.Author)+len(p.Reason)+len(p.Body)+len(p.Sig))
	if p.Signer != 0 {
		b = append(b, payloadVersionSigned)
	} else {
		b = append(b, payloadVersion)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(p.HLC))
	b = appendString(b, p.Author)
	var flags byte
	if p.Deleted {
		flags |= 1
	}
	b = append(b, flags)
	b = appendString(b, p.Reason)
	if p.Signer != 0 {
		b = append(b, p.Signer)
		b = appendString(b, string(p.Sig))
	}
	return append(b, p.Body...)
}

func decodePayload(b []byte) (payload, error) {
	var p payload
	r := reader{b: b}
	v := r.byte()
	if v != payloadVersion && v != payloadVersionSigned {
		return p, fmt.Errorf("%w: unknown payload format %d", ErrTampered, v)
	}
	p.HLC = HLC(r.u64())
	p.Author = r.string(maxIDLen)
	flags := r.byte()
	p.Deleted = flags&1 != 0
	p.Reason = r.string(1 << 16)
	if v == payloadVersionSigned {
		p.Signer = r.byte()
		p.Sig = []byte(r.string(128))
		if r.err == nil && p.Signer == 0 {
			return p, fmt.Errorf("%w: payload: signed by nobody", ErrTampered)
		}
	}
	p.Body = r.rest()
	if r.err != nil {
		return p, fmt.Errorf("%w: payload: %v", ErrTampered, r.err)
	}
	return p, nil
}

// leaf is one head of a record: a revision no other revision descends from.
type leaf struct {
	Rev     Rev
	Deleted bool
	HLC     HLC
}

const leafSize = revKeySize + 1 + 8

func encodeLeaves(ls []leaf) []byte {
	b := make([]byte, 0, len(ls)*leafSize)
	for _, l := range ls {
		b = append(b, l.Rev.key()...)
		if l.Deleted {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.BigEndian.AppendUint64(b, uint64(l.HLC))
	}
	return b
}

func decodeLeaves(b []byte) ([]leaf, error) {
	if len(b) == 0 || len(b)%leafSize != 0 {
		return nil, fmt.Errorf("%w: record heads of %d bytes", ErrTampered, len(b))
	}
	ls := make([]leaf, 0, len(b)/leafSize)
	for len(b) > 0 {
		r, _ := revFromKey(b[:revKeySize])
		ls = append(ls, leaf{Rev: r, Deleted: b[revKeySize] == 1, HLC: HLC(binary.BigEndian.Uint64(b[revKeySize+1:]))})
		b = b[leafSize:]
	}
	return ls, nil
}

// leafBeats reports whether head a wins over head b for a record with
// several heads: a live revision beats a deletion (modification beats
// deletion), then the later HLC, then the longer history, then the larger
// hash. The rule uses only what every replica has, so all replicas agree.
// [Tx.Get] refines it with the type's [MergeRule.Rank] between the first
// two steps (merge.go).
func leafBeats(a, b leaf) bool {
	if a.Deleted != b.Deleted {
		return !a.Deleted
	}
	if a.HLC != b.HLC {
		return a.HLC > b.HLC
	}
	return a.Rev.compare(b.Rev) > 0
}
