package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Blobs hold large content such as scanned documents. A blob is split into
// chunks of [BlobChunkSize] bytes, each sealed on its own with its index and
// a last-chunk flag in the associated data, so a reader notices a chunk that
// was dropped, repeated, reordered or cut off as soon as it reaches it. The
// header (size, chunk count, SHA-256) is written last, so a blob interrupted
// by a crash is never visible. Content is streamed (blobput.go): a few
// chunks are in memory at a time, however large the content.
const (
	BlobChunkSize = 1 << 20
	chunksPerTx   = 4
)

// BlobInfo describes a stored blob.
type BlobInfo struct {
	ID     string   `json:"-"`
	Size   int64    `json:"size"`
	Chunks uint32   `json:"chunks"`
	SHA256 [32]byte `json:"sha256"`
	// Clinical is set for content sealed to the clinical document key
	// ([Store.PutClinicalBlob]): only holders of the clinical key read it.
	Clinical bool `json:"clinical,omitempty"`
	// Epoch is the epoch of the general key that sealed the content when
	// a rotation made it (blobepoch.go); 0 for content sealed under the
	// key of the password slots (before any rotation) or to the clinical
	// document key.
	Epoch uint32 `json:"epoch,omitempty"`
	// Existing is set by PutBlob when the same content was already stored;
	// ID then names the earlier blob and nothing new was written.
	Existing bool `json:"-"`
}

func blobHeaderKey(id string) []byte { return append([]byte(id), 0, 'h') }

func blobChunkKey(id string, i uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(id), 0, 'c'), i)
}

func blobChunkAD(id string, i uint32, last bool) []byte {
	ad := adBuilder("blobs").str(id).u64(uint64(i))
	if last {
		return append(ad, 1)
	}
	return append(ad, 0)
}

func blobHeaderAD(id string) []byte { return adBuilder("blobs").str(id).str("header") }

// blobIndexKey is a keyed hash of the content hash, so the index reveals
// nothing to someone who holds a copy of a document but not the data key.
func (k *dataKey) blobIndexKey(sum [32]byte) []byte {
	m := hmac.New(sha256.New, k.indexKey[:])
	m.Write(sum[:])
	return m.Sum(nil)
}

// PutBlob stores everything read from r as a new blob, or, if identical
// content is already stored, returns that blob with Existing set. See
// [Store.PutBlobFrom] (blobput.go).
func (s *Store) PutBlob(r io.Reader) (BlobInfo, error) { return s.putBlobFrom(r, false, nil) }

// FindBlob returns the blob holding content with this SHA-256, if any.
func (s *Store) FindBlob(sum [32]byte) (id string, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		for _, ik := range tx.sess.findBlobKeys(sum) {
			if v := tx.btx.Bucket(bucketBlobIndex).Get(ik); v != nil {
				id, ok = string(v), true
				return nil
			}
		}
		return nil
	})
	return id, ok, err
}

// blobInfo reads blob id's header; a blob sealed under an epoch of the
// general key the session does not hold is a [*KeyError].
func (tx *Tx) blobInfo(id string) (BlobInfo, error) {
	h, err := tx.blobHeader(id)
	if err == nil && h.locked {
		err = lockedBlobError(&h)
	}
	return h.BlobInfo, err
}

func (tx *Tx) blobHeader(id string) (blobHeader, error) {
	v := tx.btx.Bucket(bucketBlobs).Get(blobHeaderKey(id))
	if v == nil {
		return blobHeader{}, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	return tx.openBlobHeader(id, v)
}

// openBlobHeader opens a sealed blob header and checks that it is
// consistent.
func (tx *Tx) openBlobHeader(id string, sealed []byte) (blobHeader, error) {
	var h blobHeader
	pt, err := tx.sess.key.open(nil, sealed, blobHeaderAD(id))
	if err != nil {
		return h, fmt.Errorf("blob %s header: %w", id, err)
	}
	if err := json.Unmarshal(pt, &h); err != nil {
		return h, fmt.Errorf("blob %s header: %w: %v", id, ErrTampered, err)
	}
	h.ID = id
	if !h.wellFormed() {
		return h, fmt.Errorf("blob %s header: %w: malformed", id, ErrTampered)
	}
	return h, tx.sess.openEpochHeader(&h)
}

// openChunk opens chunk i of the blob h describes, as stored; op is made
// on first need (a clinical blob needs the clinical key).
func (tx *Tx) openChunk(h *blobHeader, i uint32, v []byte, op **clinicalOpener) ([]byte, error) {
	ad := blobChunkAD(h.ID, i, i == h.Chunks-1)
	if h.Epoch != 0 {
		return tx.sess.openEpochChunk(h, i, v)
	}
	if !h.Clinical {
		return tx.sess.key.open(nil, v, ad)
	}
	if *op == nil {
		o, err := tx.sess.clinicalOpener()
		if err != nil {
			return nil, err
		}
		*op = o
	}
	return (*op).openChunk(h, i, v)
}

// BlobInfo reads a blob's header.
func (s *Store) BlobInfo(id string) (info BlobInfo, err error) {
	if err := checkID("blob ID", id); err != nil {
		return info, err
	}
	err = s.View(func(tx *Tx) error { info, err = tx.blobInfo(id); return err })
	return info, err
}

// OpenBlob returns a reader over a blob's content. Each chunk is read and
// authenticated when reached; a damaged, missing or misplaced chunk makes
// Read return an error wrapping [ErrTampered], and so does content whose
// SHA-256 does not match the header at the end.
func (s *Store) OpenBlob(id string) (io.ReadCloser, BlobInfo, error) {
	info, err := s.BlobInfo(id)
	if err != nil {
		return nil, info, err
	}
	if info.Clinical && !s.Holds(CompartmentClinical) {
		return nil, info, &KeyError{Compartment: CompartmentClinical}
	}
	return &blobReader{s: s, info: info, h: sha256.New()}, info, nil
}

type blobReader struct {
	s    *Store
	info BlobInfo
	next uint32
	buf  []byte
	h    interface {
		io.Writer
		Sum([]byte) []byte
	}
	err error
}

func (br *blobReader) Read(p []byte) (int, error) {
	for len(br.buf) == 0 {
		if br.err != nil {
			return 0, br.err
		}
		if br.next == br.info.Chunks {
			if !bytes.Equal(br.h.Sum(nil), br.info.SHA256[:]) {
				br.err = fmt.Errorf("blob %s: %w: content does not match its hash", br.info.ID, ErrTampered)
			} else {
				br.err = io.EOF
			}
			continue
		}
		br.buf, br.err = br.s.readChunk(br.info, br.next)
		if br.err != nil {
			br.buf = nil
			continue
		}
		br.h.Write(br.buf)
		br.next++
	}
	n := copy(p, br.buf)
	br.buf = br.buf[n:]
	return n, nil
}

func (br *blobReader) Close() error {
	br.buf, br.err = nil, errors.New("blob reader closed")
	return nil
}

func (s *Store) readChunk(info BlobInfo, i uint32) (out []byte, err error) {
	err = s.View(func(tx *Tx) error {
		h, err := tx.blobHeader(info.ID)
		if err != nil {
			return err
		}
		if h.Chunks != info.Chunks || h.SHA256 != info.SHA256 {
			return fmt.Errorf("blob %s: %w: its header changed while it was read", info.ID, ErrTampered)
		}
		v := tx.btx.Bucket(bucketBlobs).Get(blobChunkKey(info.ID, i))
		if v == nil {
			return fmt.Errorf("blob %s: %w: chunk %d of %d is missing", info.ID, ErrTampered, i+1, info.Chunks)
		}
		var op *clinicalOpener
		out, err = tx.openChunk(&h, i, v, &op)
		if err != nil {
			return fmt.Errorf("blob %s chunk %d of %d: %w", info.ID, i+1, info.Chunks, err)
		}
		return nil
	})
	return out, err
}
