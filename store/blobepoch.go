package store

import (
	"crypto/sha256"
	"fmt"
	"hash"
)

// Blobs under a rotated epoch of the general key.
//
// Once a rotation started a new epoch of the general key (rotate.go), a
// session seals the content of a new blob that stays under the general key
// (an administrative document, an inbox scan) under the newest epoch of the
// general records keyring it holds, not under the slot's epoch, so a copy
// of a removed user's keyslot does not open it. The header stays sealed
// under the slot's key, as every header is, so every workstation of the
// practice opens it, checks the blob and sends it on, whichever epochs its
// session holds; it says
//
//	size, chunk count, epoch (the chunks' epoch, never 0),
//	root (SHA-256 over the sealed chunks' SHA-256s, as a clinical blob's),
//	sum (the content's SHA-256, sealed under the epoch; the clear hash is zero)
//
// and each chunk is sealed as before (version 1, the epoch, the nonce, the
// same associated data), under that epoch. A session that does not hold
// the epoch (a workstation whose user has not taken a newer grant yet)
// checks each chunk's format, epoch and length, and the whole blob against
// the root, before it keeps a blob it imports, and sends the chunks on as
// stored; it does not read the blob ([KeyError] with Newer) or its hash.
// The content index entry of such a blob is keyed with the epoch's index
// key, so the slot's key does not tell whether some content is stored; a
// workstation that imports it without the epoch does not index it.
//
// Older blobs are not sealed again: they keep the epoch they were sealed
// under (docs/SECURITY.md says why).

// blobSumAD is the associated data of a blob header's sealed content hash.
func blobSumAD(id string) []byte { return adBuilder("blobs").str(id).str("sum") }

// generalEpoch is the session's general key of epoch e alone (it seals
// under e), nil when the session does not hold it.
func (sess *session) generalEpoch(e uint32) *dataKey {
	if g := sess.general; g != nil {
		if g.epoch == e {
			return g
		}
		if o := g.older[e]; o != nil {
			return o
		}
	}
	if sess.key != nil && sess.key.epoch == e {
		return sess.key
	}
	return nil
}

// blobEpoch is the epoch of the general key a new blob's chunks are sealed
// under: the newest the session holds once a rotation made one, else 0
// (the slot's key, as before rotations).
func (sess *session) blobEpoch() uint32 {
	if g := sess.general; g != nil && g.aead != nil && (sess.key == nil || g.epoch != sess.key.epoch) {
		return g.epoch
	}
	return 0
}

// epochBlobSealer seals one blob's chunks under epoch e of the general key
// and sums them for the header's root.
type epochBlobSealer struct {
	epoch uint32
	sums  hash.Hash
}

func newEpochBlobSealer(e uint32) *epochBlobSealer {
	return &epochBlobSealer{epoch: e, sums: sha256.New()}
}

// seal seals chunk content pt under the sealer's epoch, as sess holds it
// now (the session may have changed between chunks: a key it no longer
// holds fails the put).
func (b *epochBlobSealer) seal(sess *session, dst, pt, ad []byte) ([]byte, error) {
	k := sess.generalEpoch(b.epoch)
	if k == nil || k.aead == nil {
		return nil, &KeyError{Compartment: CompartmentGeneral}
	}
	v := k.seal(dst, pt, ad)
	sum := sha256.Sum256(v)
	b.sums.Write(sum[:])
	return v, nil
}

// header makes the header of blob info sealed by b, its content hash
// sealed under the epoch.
func (b *epochBlobSealer) header(sess *session, info BlobInfo) (blobHeader, error) {
	k := sess.generalEpoch(b.epoch)
	if k == nil || k.aead == nil {
		return blobHeader{}, &KeyError{Compartment: CompartmentGeneral}
	}
	h := blobHeader{BlobInfo: info, Root: b.sums.Sum(nil), Sum: k.seal(nil, info.SHA256[:], blobSumAD(info.ID))}
	h.Epoch = b.epoch
	h.SHA256 = [32]byte{}
	return h, nil
}

// openEpochHeader completes the header of a blob sealed under a rotated
// epoch: its content hash when the session holds the epoch, else it marks
// the header locked.
func (sess *session) openEpochHeader(h *blobHeader) error {
	if h.Epoch == 0 {
		return nil
	}
	k := sess.generalEpoch(h.Epoch)
	if k == nil {
		h.locked = true
		return nil
	}
	if epochOf(h.Sum) != h.Epoch {
		return fmt.Errorf("blob %s header: %w: its content hash is not sealed under its epoch", h.ID, ErrTampered)
	}
	sum, err := k.open(nil, h.Sum, blobSumAD(h.ID))
	if err != nil || len(sum) != sha256.Size {
		return fmt.Errorf("blob %s header: %w: its content hash does not open", h.ID, ErrTampered)
	}
	h.SHA256 = [32]byte(sum)
	return nil
}

// wellFormed checks that a header's fields agree with its kind: a clinical
// blob names its ephemeral key and root; one under a rotated general
// epoch its root and sealed content hash (and no clear hash); another
// none of these.
func (h *blobHeader) wellFormed() bool {
	switch {
	case h.Clinical:
		return len(h.Box) == 32 && len(h.Root) == sha256.Size && h.Epoch == 0 && h.Sum == nil
	case h.Epoch != 0:
		return h.Box == nil && len(h.Root) == sha256.Size && len(h.Sum) == sealOverhead+sha256.Size && h.SHA256 == [32]byte{}
	}
	return h.Box == nil && h.Root == nil && h.Sum == nil
}

// hasRoot reports whether the header names its sealed chunks by a root,
// which every workstation checks.
func (h *blobHeader) hasRoot() bool { return h.Clinical || h.Epoch != 0 }

// opaque reports whether sess cannot open the blob's chunks, only check
// them against the header's root.
func (h *blobHeader) opaque(sess *session) bool {
	return h.Clinical && sess.clinical == nil || h.locked
}

// checkShape checks what can be checked of chunk i without opening it:
// its format, epoch and length.
func (h *blobHeader) checkShape(i uint32, v []byte) error {
	if h.Clinical {
		return h.checkClinicalShape(i, v)
	}
	if len(v) == 0 || v[0] != sealVersion || epochOf(v) != h.Epoch || len(v) != BlobChunkPlainSize(h.Size, i)+sealOverhead {
		return fmt.Errorf("blob %s chunk %d of %d: %w: not a chunk sealed under general key epoch %d", h.ID, i+1, h.Chunks, ErrTampered, h.Epoch)
	}
	return nil
}

// openEpochChunk opens chunk i of a blob sealed under a rotated epoch.
func (sess *session) openEpochChunk(h *blobHeader, i uint32, v []byte) ([]byte, error) {
	if err := h.checkShape(i, v); err != nil {
		return nil, err
	}
	k := sess.generalEpoch(h.Epoch)
	if k == nil {
		return nil, &KeyError{Compartment: CompartmentGeneral, Newer: true}
	}
	return k.open(nil, v, blobChunkAD(h.ID, i, i == h.Chunks-1))
}

// blobIndexKey is where the content index names the blob h describes, nil
// when the session cannot tell (it does not hold the blob's epoch).
func (sess *session) blobIndexKey(h *blobHeader) []byte {
	if h.Epoch == 0 {
		return sess.key.blobIndexKey(h.SHA256)
	}
	if k := sess.generalEpoch(h.Epoch); k != nil && !h.locked {
		return k.blobIndexKey(h.SHA256)
	}
	return nil
}

// findBlobKeys are the index keys content with hash sum may be indexed
// under for this session: the newest general epoch first, the slot's key
// last.
func (sess *session) findBlobKeys(sum [32]byte) [][]byte {
	var out [][]byte
	for _, e := range sess.general.ringEpochs() {
		if k := sess.generalEpoch(e); k != nil && (sess.key == nil || e != sess.key.epoch) {
			out = append(out, k.blobIndexKey(sum))
		}
	}
	return append(out, sess.key.blobIndexKey(sum))
}

// newBlobIndexKey is where a new blob of content hash sum, sealed under
// general epoch e (0: the slot's key), is indexed.
func (sess *session) newBlobIndexKey(e uint32, sum [32]byte) ([]byte, error) {
	if e == 0 {
		return sess.key.blobIndexKey(sum), nil
	}
	k := sess.generalEpoch(e)
	if k == nil || k.indexKey == nil {
		return nil, &KeyError{Compartment: CompartmentGeneral}
	}
	return k.blobIndexKey(sum), nil
}

// lockedBlobError is what reading a blob whose epoch the session does not
// hold returns (a plain sentence, as for a clinical blob without the key).
func lockedBlobError(*blobHeader) error {
	return &KeyError{Compartment: CompartmentGeneral, Newer: true}
}
