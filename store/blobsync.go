package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Blob sync: the store's side of moving blobs between workstations. A blob
// leaves a workstation exactly as it is stored — its sealed chunks and its
// sealed header ([Store.ExportBlobHeader], [Store.ExportBlobChunk]) — and
// enters another through a [BlobImport], which verifies every chunk with
// the data key and the chunk's associated data before storing it, and the
// whole content against the header's SHA-256 before writing the header, so
// a blob that is half downloaded, or that anyone but the practice sealed,
// is never visible. Chunks already downloaded survive a restart: a new
// import of the same blob asks only for the missing ones.
//
// The blob feed numbers the blobs this store holds in the order they
// arrived (a local sequence, like the change feed for records), so sync
// knows which blobs to send without reading records: a push checkpoint on
// this feed. The feed is made on first use from the blobs already stored.
//
//	blobfeed/<seq>        flag (1: came from the server) | blob ID
//	blobfeedids/<blob ID> seq

var (
	bucketBlobFeed    = []byte("blobfeed")
	bucketBlobFeedIDs = []byte("blobfeedids")
)

// BlobSealOverhead is what sealing adds to each chunk's content.
const BlobSealOverhead = sealOverhead

// BlobChunkCount is the number of chunks of a blob of size bytes (an empty
// blob has one, empty, chunk).
func BlobChunkCount(size int64) uint32 {
	if size <= 0 {
		return 1
	}
	return uint32((size + BlobChunkSize - 1) / BlobChunkSize)
}

// BlobChunkPlainSize is the content length of chunk i of a blob of size
// bytes, or -1 when there is no such chunk.
func BlobChunkPlainSize(size int64, i uint32) int {
	n := BlobChunkCount(size)
	switch {
	case size < 0 || i >= n:
		return -1
	case i < n-1:
		return BlobChunkSize
	}
	return int(size - int64(n-1)*BlobChunkSize)
}

// BlobFeedEntry is one blob in the store's blob feed.
type BlobFeedEntry struct {
	Seq    uint64
	ID     string
	Remote bool // imported from the server, not made here
}

// ensureBlobFeed makes the blob feed if it is missing, listing the blobs
// already stored (a store made before blobs synced).
func (tx *Tx) ensureBlobFeed() (feed, ids *bolt.Bucket, err error) {
	if feed = tx.btx.Bucket(bucketBlobFeed); feed != nil {
		return feed, tx.btx.Bucket(bucketBlobFeedIDs), nil
	}
	if !tx.write {
		return nil, nil, nil
	}
	if feed, err = tx.btx.CreateBucket(bucketBlobFeed); err != nil {
		return nil, nil, err
	}
	if ids, err = tx.btx.CreateBucket(bucketBlobFeedIDs); err != nil {
		return nil, nil, err
	}
	c := tx.btx.Bucket(bucketBlobs).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i > 0 && i+1 == len(k)-1 && k[i+1] == 'h' {
			if err := appendBlobFeed(feed, ids, string(k[:i]), false); err != nil {
				return nil, nil, err
			}
		}
	}
	return feed, ids, nil
}

func appendBlobFeed(feed, ids *bolt.Bucket, id string, remote bool) error {
	if ids.Get([]byte(id)) != nil {
		return nil
	}
	seq, err := feed.NextSequence()
	if err != nil {
		return err
	}
	k := binary.BigEndian.AppendUint64(nil, seq)
	flag := byte(0)
	if remote {
		flag = 1
	}
	if err := feed.Put(k, append([]byte{flag}, id...)); err != nil {
		return err
	}
	return ids.Put([]byte(id), k)
}

// noteBlob adds a blob whose header was just written to the blob feed.
func (tx *Tx) noteBlob(id string, remote bool) error {
	feed, ids, err := tx.ensureBlobFeed()
	if err != nil {
		return err
	}
	return appendBlobFeed(feed, ids, id, remote)
}

// BlobFeed returns up to limit blobs of the blob feed after sequence since,
// in order.
func (s *Store) BlobFeed(since uint64, limit int) ([]BlobFeedEntry, error) {
	var out []BlobFeedEntry
	read := func(tx *Tx) error {
		out = out[:0]
		feed := tx.btx.Bucket(bucketBlobFeed)
		if feed == nil {
			return nil
		}
		c := feed.Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, since+1)); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) != 8 || len(v) < 2 {
				return fmt.Errorf("blob feed: %w: malformed entry", ErrTampered)
			}
			out = append(out, BlobFeedEntry{Seq: binary.BigEndian.Uint64(k), ID: string(v[1:]), Remote: v[0] == 1})
		}
		return nil
	}
	made := false
	if err := s.View(func(tx *Tx) error { made = tx.btx.Bucket(bucketBlobFeed) != nil; return read(tx) }); err != nil || made {
		return out, err
	}
	// First use: make the feed from the blobs already stored.
	err := s.Update(func(tx *Tx) error {
		if _, _, err := tx.ensureBlobFeed(); err != nil {
			return err
		}
		return read(tx)
	})
	return out, err
}

// HasBlob reports whether the store holds the whole blob (its header).
func (s *Store) HasBlob(id string) (ok bool, err error) {
	if err := checkID("blob ID", id); err != nil {
		return false, err
	}
	err = s.View(func(tx *Tx) error {
		ok = tx.btx.Bucket(bucketBlobs).Get(blobHeaderKey(id)) != nil
		return nil
	})
	return ok, err
}

// ExportBlobHeader returns a blob's header as stored (sealed) and what it
// says. It is checked first, so local damage is not spread. Of a blob
// sealed under an epoch of the general key the session does not hold, the
// content hash is not known (zero): every workstation sends it on.
func (s *Store) ExportBlobHeader(id string) (sealed []byte, info BlobInfo, err error) {
	if err := checkID("blob ID", id); err != nil {
		return nil, info, err
	}
	err = s.View(func(tx *Tx) error {
		h, err := tx.blobHeader(id)
		if err != nil {
			return err
		}
		info = h.BlobInfo
		sealed = bytes.Clone(tx.btx.Bucket(bucketBlobs).Get(blobHeaderKey(id)))
		return nil
	})
	return sealed, info, err
}

// ExportBlobChunk returns chunk i of a blob as stored (sealed), after
// checking that it opens.
func (s *Store) ExportBlobChunk(info BlobInfo, i uint32) (sealed []byte, err error) {
	err = s.View(func(tx *Tx) error {
		h, err := tx.blobHeader(info.ID)
		if err != nil {
			return err
		}
		v := tx.btx.Bucket(bucketBlobs).Get(blobChunkKey(info.ID, i))
		if v == nil || i >= h.Chunks {
			return fmt.Errorf("blob %s: %w: chunk %d of %d is missing", info.ID, ErrTampered, i+1, info.Chunks)
		}
		// Of a chunk sealed to the clinical document key, or under an
		// epoch of the general key, that the session does not hold, it
		// checks the format and length (the whole blob was checked
		// against its header's root when it was stored): every
		// workstation sends it on.
		if h.opaque(tx.sess) {
			err = h.checkShape(i, v)
		} else {
			var op *clinicalOpener
			_, err = tx.openChunk(&h, i, v, &op)
		}
		if err != nil {
			return fmt.Errorf("blob %s chunk %d of %d: %w", info.ID, i+1, info.Chunks, err)
		}
		sealed = bytes.Clone(v)
		return nil
	})
	return sealed, err
}

// BlobImport brings one blob from another workstation into the store:
// [Store.ImportBlob] checks its header, [BlobImport.PutChunk] stores each
// chunk once it has checked it, and [BlobImport.Commit] writes the header
// last. Until then the blob is not visible; chunks stored so far stay for a
// later import of the same blob to resume from.
type BlobImport struct {
	s       *Store
	info    BlobInfo
	hdr     blobHeader
	header  []byte
	done    bool
	pending map[uint32][]byte // checked chunks not written yet
}

// ImportBlob starts importing blob id, whose sealed header is given. The
// header must open with the data key for exactly this blob and describe a
// consistent size and chunk count; otherwise the error wraps [ErrTampered].
// A blob whose chunks are sealed to a key the session does not hold (the
// clinical document key, a newer epoch of the general key) is imported
// all the same, each chunk checked for its format and length and the
// whole against the header's root.
// If the store already holds the blob, the import is done at once.
func (s *Store) ImportBlob(id string, sealedHeader []byte) (*BlobImport, error) {
	if err := checkID("blob ID", id); err != nil {
		return nil, err
	}
	bi := &BlobImport{s: s, header: bytes.Clone(sealedHeader)}
	err := s.View(func(tx *Tx) error {
		if tx.btx.Bucket(bucketBlobs).Get(blobHeaderKey(id)) != nil {
			bi.done = true
		}
		h, err := tx.openBlobHeader(id, sealedHeader)
		bi.hdr, bi.info = h, h.BlobInfo
		return err
	})
	if err != nil {
		return nil, err
	}
	if bi.info.Size < 0 || bi.info.Chunks != BlobChunkCount(bi.info.Size) {
		return nil, fmt.Errorf("blob %s header: %w: size and chunk count disagree", id, ErrTampered)
	}
	return bi, nil
}

// Info is what the blob's header says.
func (bi *BlobImport) Info() BlobInfo { return bi.info }

// Done reports whether the store holds the whole blob.
func (bi *BlobImport) Done() bool { return bi.done }

// Missing lists the chunks not stored yet.
func (bi *BlobImport) Missing() ([]uint32, error) {
	var out []uint32
	if bi.done {
		return nil, nil
	}
	err := bi.s.View(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		for i := uint32(0); i < bi.info.Chunks; i++ {
			if b.Get(blobChunkKey(bi.info.ID, i)) == nil {
				out = append(out, i)
			}
		}
		return nil
	})
	return out, err
}

// checkChunk opens chunk i and checks its length against the header.
func (bi *BlobImport) checkChunk(tx *Tx, i uint32, sealed []byte) ([]byte, error) {
	id, n := bi.info.ID, bi.info.Chunks
	if i >= n {
		return nil, fmt.Errorf("blob %s: %w: chunk %d of %d", id, ErrInvalid, i+1, n)
	}
	if bi.hdr.opaque(tx.sess) {
		// Without the key: its format and length now, the whole blob
		// against its header's root at Commit.
		return nil, bi.hdr.checkShape(i, sealed)
	}
	var op *clinicalOpener
	pt, err := tx.openChunk(&bi.hdr, i, sealed, &op)
	if err != nil {
		return nil, fmt.Errorf("blob %s chunk %d of %d: %w", id, i+1, n, err)
	}
	if len(pt) != BlobChunkPlainSize(bi.info.Size, i) {
		return nil, fmt.Errorf("blob %s chunk %d of %d: %w: wrong length", id, i+1, n, ErrTampered)
	}
	return pt, nil
}

// PutChunk checks chunk i (it must open with the data key for exactly this
// blob, index and position, and have the length the header implies) and
// stores it as given; chunks are written a few at a time in one durable
// transaction (call Flush to write the rest before giving up on an
// import). A chunk that fails is not stored; the error wraps
// [ErrTampered].
func (bi *BlobImport) PutChunk(i uint32, sealed []byte) error {
	if bi.done {
		return nil
	}
	err := bi.s.View(func(tx *Tx) error {
		_, err := bi.checkChunk(tx, i, sealed)
		return err
	})
	if err != nil {
		return err
	}
	if bi.pending == nil {
		bi.pending = map[uint32][]byte{}
	}
	bi.pending[i] = sealed
	if len(bi.pending) >= chunksPerTx {
		return bi.Flush()
	}
	return nil
}

// Flush writes the chunks PutChunk has checked but not yet written.
func (bi *BlobImport) Flush() error {
	if len(bi.pending) == 0 {
		return nil
	}
	err := bi.s.Update(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		for i, v := range bi.pending {
			if err := b.Put(blobChunkKey(bi.info.ID, i), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		clear(bi.pending)
	}
	return err
}

// Commit checks the whole content against the header's size and SHA-256
// and then writes the header, the content index entry and the blob feed
// entry in one durable transaction: from then on the blob is visible. A
// missing chunk or content that does not match is refused (the error wraps
// [ErrTampered]) and nothing is written; call Abort to drop the chunks.
func (bi *BlobImport) Commit() error {
	if bi.done {
		return nil
	}
	if err := bi.Flush(); err != nil {
		return err
	}
	id := bi.info.ID
	err := bi.s.View(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		h := sha256.New()
		var size int64
		for i := uint32(0); i < bi.info.Chunks; i++ {
			v := b.Get(blobChunkKey(id, i))
			if v == nil {
				return fmt.Errorf("blob %s: %w: chunk %d of %d is missing", id, ErrTampered, i+1, bi.info.Chunks)
			}
			pt, err := bi.checkChunk(tx, i, v)
			if err != nil {
				return err
			}
			h.Write(pt)
			size += int64(len(pt))
		}
		if bi.hdr.hasRoot() {
			if err := bi.hdr.checkRoot(func(i uint32) []byte { return b.Get(blobChunkKey(id, i)) }); err != nil {
				return err
			}
			if bi.hdr.opaque(tx.sess) {
				return nil
			}
		}
		if size != bi.info.Size || !bytes.Equal(h.Sum(nil), bi.info.SHA256[:]) {
			return fmt.Errorf("blob %s: %w: content does not match its header", id, ErrTampered)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = bi.s.Update(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		if b.Get(blobHeaderKey(id)) != nil {
			return nil
		}
		for i := uint32(0); i < bi.info.Chunks; i++ {
			if b.Get(blobChunkKey(id, i)) == nil {
				return fmt.Errorf("blob %s: %w: chunk %d of %d is missing", id, ErrTampered, i+1, bi.info.Chunks)
			}
		}
		// The feed entry before the header: a feed made now from the
		// headers stored must not take this blob for a local one.
		if err := tx.noteBlob(id, true); err != nil {
			return err
		}
		if err := b.Put(blobHeaderKey(id), bi.header); err != nil {
			return err
		}
		// The same content may be here already under another ID (scanned
		// on two workstations): the index keeps naming the first. A blob
		// under an epoch of the general key the session does not hold is
		// not indexed (its content hash is not known).
		ib := tx.btx.Bucket(bucketBlobIndex)
		ik := tx.sess.blobIndexKey(&bi.hdr)
		if ik != nil && ib.Get(ik) == nil {
			if err := ib.Put(ik, []byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		bi.done = true
	}
	return err
}

// Abort drops the chunks stored so far (after a refused chunk or content,
// so nothing of it stays).
func (bi *BlobImport) Abort() {
	if bi.done {
		return
	}
	clear(bi.pending)
	_ = bi.s.db.Update(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketBlobs).Get(blobHeaderKey(bi.info.ID)) != nil {
			return nil
		}
		b := btx.Bucket(bucketBlobs)
		for i := uint32(0); i < bi.info.Chunks; i++ {
			if err := b.Delete(blobChunkKey(bi.info.ID, i)); err != nil {
				return err
			}
		}
		return nil
	})
}
