package sync

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Blobs in the bbolt backend, in buckets of the practice made on first use:
//
//	p/<practiceID>/
//	  blobs/<blobID>              JSON blobMeta: size, chunks, device, times, seq once committed
//	  blobdata/<blobID>\x00c<i>   sealed chunk i (4 bytes, big-endian), as the workstation stores it
//	  blobdata/<blobID>\x00h      sealed header, written by the commit
//	  blobfeed/<seq>              blob ID, for committed blobs in commit order
//
// The chunks and the header are the workstation's sealed bytes unchanged;
// the server learns a blob's ID, size and chunk count and nothing else.

var (
	bBlobs    = []byte("blobs")
	bBlobData = []byte("blobdata")
	bBlobFeed = []byte("blobfeed")
)

type blobMeta struct {
	Size      int64     `json:"size"`
	Chunks    uint32    `json:"chunks"`
	Device    string    `json:"device"`
	Created   time.Time `json:"created"`
	Committed time.Time `json:"committed,omitzero"`
	Seq       uint64    `json:"seq,omitempty"`
}

func blobDataChunkKey(id string, i uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(id), 0, 'c'), i)
}

func blobDataHeaderKey(id string) []byte { return append([]byte(id), 0, 'h') }

var _ BlobBackend = (*boltBackend)(nil)

// blobBuckets returns the practice's blob buckets, making them in a write
// transaction; in a read-only one they are nil until the first upload.
func (b *boltBackend) blobBuckets(tx *bolt.Tx, pid string) (meta, data, feed *bolt.Bucket, err error) {
	p, err := b.practice(tx, pid)
	if err != nil {
		return nil, nil, nil, err
	}
	if !tx.Writable() {
		return p.Bucket(bBlobs), p.Bucket(bBlobData), p.Bucket(bBlobFeed), nil
	}
	if meta, err = p.CreateBucketIfNotExists(bBlobs); err != nil {
		return
	}
	if data, err = p.CreateBucketIfNotExists(bBlobData); err != nil {
		return
	}
	feed, err = p.CreateBucketIfNotExists(bBlobFeed)
	return
}

func getBlobMeta(meta *bolt.Bucket, id string) (blobMeta, bool, error) {
	var m blobMeta
	if meta == nil {
		return m, false, nil
	}
	v := meta.Get([]byte(id))
	if v == nil {
		return m, false, nil
	}
	err := json.Unmarshal(v, &m)
	return m, true, err
}

func putBlobMeta(meta *bolt.Bucket, id string, m blobMeta) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return meta.Put([]byte(id), v)
}

func blobState(data *bolt.Bucket, id string, m blobMeta) BlobState {
	st := BlobState{ID: id, Size: m.Size, Chunks: m.Chunks, Committed: m.Seq > 0, Seq: m.Seq}
	if st.Committed || data == nil {
		return st
	}
	prefix := append([]byte(id), 0, 'c')
	c := data.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) == len(prefix)+4 {
			st.Have = append(st.Have, binary.BigEndian.Uint32(k[len(prefix):]))
		}
	}
	return st
}

func (b *boltBackend) BeginBlob(ctx context.Context, pid, device, id string, size int64, chunks uint32, now time.Time) (BlobState, error) {
	var st BlobState
	err := b.db.Update(func(tx *bolt.Tx) error {
		meta, data, _, err := b.blobBuckets(tx, pid)
		if err != nil {
			return err
		}
		m, ok, err := getBlobMeta(meta, id)
		if err != nil {
			return err
		}
		if ok {
			if m.Size != size || m.Chunks != chunks {
				return ErrBlobMismatch
			}
			st = blobState(data, id, m)
			return nil
		}
		m = blobMeta{Size: size, Chunks: chunks, Device: device, Created: now.UTC()}
		st = blobState(data, id, m)
		return putBlobMeta(meta, id, m)
	})
	return st, err
}

func (b *boltBackend) PutBlobChunk(ctx context.Context, pid, id string, i uint32, sealed []byte) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		meta, data, _, err := b.blobBuckets(tx, pid)
		if err != nil {
			return err
		}
		m, ok, err := getBlobMeta(meta, id)
		if err != nil {
			return err
		}
		if !ok {
			return ErrUnknownBlob
		}
		if i >= m.Chunks {
			return fmt.Errorf("%w: chunk %d of a document of %d", ErrBadRequest, i+1, m.Chunks)
		}
		if len(sealed) != BlobChunkSealedSize(m.Size, i) {
			return fmt.Errorf("%w: chunk %d has %d bytes, expected %d", ErrBadRequest, i+1, len(sealed), BlobChunkSealedSize(m.Size, i))
		}
		k := blobDataChunkKey(id, i)
		if m.Seq > 0 {
			if !bytes.Equal(data.Get(k), sealed) {
				return ErrBlobMismatch
			}
			return nil
		}
		if err := b.addUsage(tx.Bucket(bPractice).Bucket([]byte(pid)), int64(len(sealed)-len(data.Get(k)))); err != nil {
			return err
		}
		return data.Put(k, sealed)
	})
}

func (b *boltBackend) CommitBlob(ctx context.Context, pid, id string, header []byte) (BlobState, error) {
	var st BlobState
	err := b.db.Update(func(tx *bolt.Tx) error {
		meta, data, feed, err := b.blobBuckets(tx, pid)
		if err != nil {
			return err
		}
		m, ok, err := getBlobMeta(meta, id)
		if err != nil {
			return err
		}
		if !ok {
			return ErrUnknownBlob
		}
		hk := blobDataHeaderKey(id)
		if m.Seq > 0 {
			if !bytes.Equal(data.Get(hk), header) {
				return ErrBlobMismatch
			}
			st = blobState(data, id, m)
			return nil
		}
		missing := 0
		for i := uint32(0); i < m.Chunks; i++ {
			if data.Get(blobDataChunkKey(id, i)) == nil {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%w (%d of %d parts missing)", ErrBlobIncomplete, missing, m.Chunks)
		}
		if err := b.addUsage(tx.Bucket(bPractice).Bucket([]byte(pid)), int64(len(header))); err != nil {
			return err
		}
		seq, err := feed.NextSequence()
		if err != nil {
			return err
		}
		if err := data.Put(hk, header); err != nil {
			return err
		}
		if err := feed.Put(binary.BigEndian.AppendUint64(nil, seq), []byte(id)); err != nil {
			return err
		}
		m.Seq, m.Committed = seq, time.Now().UTC()
		st = blobState(data, id, m)
		return putBlobMeta(meta, id, m)
	})
	return st, err
}

func (b *boltBackend) BlobFeed(ctx context.Context, pid string, since uint64, limit int) (BlobFeedResponse, error) {
	res := BlobFeedResponse{LastSeq: since, Blobs: []BlobState{}}
	err := b.db.View(func(tx *bolt.Tx) error {
		meta, _, feed, err := b.blobBuckets(tx, pid)
		if err != nil {
			return err
		}
		if feed == nil {
			res.LastSeq = 0 // no blob yet
			return nil
		}
		c := feed.Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, since+1)); k != nil; k, v = c.Next() {
			if len(res.Blobs) >= limit {
				res.More = true
				return nil
			}
			m, ok, err := getBlobMeta(meta, string(v))
			if err != nil {
				return err
			}
			if !ok || len(k) != 8 {
				return errBadLog
			}
			res.Blobs = append(res.Blobs, BlobState{ID: string(v), Size: m.Size, Chunks: m.Chunks, Committed: true, Seq: m.Seq})
			res.LastSeq = binary.BigEndian.Uint64(k)
		}
		// A feed that ends before since answers with its real end.
		if k, _ := c.Last(); len(res.Blobs) == 0 && res.LastSeq == since {
			res.LastSeq = 0
			if k != nil {
				res.LastSeq = min(since, binary.BigEndian.Uint64(k))
			}
		}
		return nil
	})
	return res, err
}

func (b *boltBackend) BlobHeader(ctx context.Context, pid, id string) (h []byte, st BlobState, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		meta, data, _, err := b.blobBuckets(tx, pid)
		if err != nil {
			return err
		}
		m, ok, err := getBlobMeta(meta, id)
		if err != nil {
			return err
		}
		if !ok || m.Seq == 0 {
			return ErrUnknownBlob
		}
		h = bytes.Clone(data.Get(blobDataHeaderKey(id)))
		st = blobState(data, id, m)
		return nil
	})
	return h, st, err
}

func (b *boltBackend) BlobChunk(ctx context.Context, pid, id string, i uint32) (c []byte, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		meta, data, _, err := b.blobBuckets(tx, pid)
		if err != nil {
			return err
		}
		m, ok, err := getBlobMeta(meta, id)
		if err != nil {
			return err
		}
		if !ok || m.Seq == 0 || i >= m.Chunks {
			return ErrUnknownBlob
		}
		v := data.Get(blobDataChunkKey(id, i))
		if v == nil {
			return errBadLog
		}
		c = bytes.Clone(v)
		return nil
	})
	return c, err
}
