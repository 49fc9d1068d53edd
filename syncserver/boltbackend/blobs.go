package boltbackend

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// Blobs, in the practice's buckets blobs, blobdata and blobfeed (see
// doc.go), made on first use. The chunks and the header are the
// workstation's sealed bytes unchanged; the server learns a blob's ID,
// size and chunk count and nothing else.

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

// blobBuckets returns the practice's blob buckets, making them in a write
// transaction; in a read-only one they are nil until the first upload.
func (b *backend) blobBuckets(tx *bolt.Tx, pid string) (meta, data, feed *bolt.Bucket, err error) {
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

func blobState(data *bolt.Bucket, id string, m blobMeta) syncproto.BlobState {
	st := syncproto.BlobState{ID: id, Size: m.Size, Chunks: m.Chunks, Committed: m.Seq > 0, Seq: m.Seq}
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

func (b *backend) BeginBlob(ctx context.Context, pid, device, id string, size int64, chunks uint32, now time.Time) (syncproto.BlobState, error) {
	var st syncproto.BlobState
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
				return syncproto.ErrBlobMismatch
			}
			st = blobState(data, id, m)
			return nil
		}
		m = blobMeta{Size: size, Chunks: chunks, Device: device, Created: now.UTC()}
		// A document that cannot fit is refused before its upload starts.
		if err := b.addUsageAhead(tx.Bucket(bPractice).Bucket([]byte(pid)), syncserver.BlobBeginSize, size); err != nil {
			return err
		}
		st = blobState(data, id, m)
		return putBlobMeta(meta, id, m)
	})
	return st, err
}

func (b *backend) PutBlobChunk(ctx context.Context, pid, id string, i uint32, sealed []byte) error {
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
			return syncproto.ErrUnknownBlob
		}
		if i >= m.Chunks {
			return fmt.Errorf("%w: chunk %d of a document of %d", syncproto.ErrBadRequest, i+1, m.Chunks)
		}
		if len(sealed) != syncproto.BlobChunkSealedSize(m.Size, i) {
			return fmt.Errorf("%w: chunk %d has %d bytes, expected %d", syncproto.ErrBadRequest, i+1, len(sealed), syncproto.BlobChunkSealedSize(m.Size, i))
		}
		k := blobDataChunkKey(id, i)
		if m.Seq > 0 {
			if !bytes.Equal(data.Get(k), sealed) {
				return syncproto.ErrBlobMismatch
			}
			return nil
		}
		if err := b.addUsage(tx.Bucket(bPractice).Bucket([]byte(pid)), int64(len(sealed)-len(data.Get(k)))); err != nil {
			return err
		}
		return data.Put(k, sealed)
	})
}

func (b *backend) CommitBlob(ctx context.Context, pid, id string, header []byte) (syncproto.BlobState, error) {
	var st syncproto.BlobState
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
			return syncproto.ErrUnknownBlob
		}
		hk := blobDataHeaderKey(id)
		if m.Seq > 0 {
			if !bytes.Equal(data.Get(hk), header) {
				return syncproto.ErrBlobMismatch
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
			return fmt.Errorf("%w (%d of %d parts missing)", syncproto.ErrBlobIncomplete, missing, m.Chunks)
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

func (b *backend) BlobFeed(ctx context.Context, pid string, since uint64, limit int) (syncproto.BlobFeedResponse, error) {
	res := syncproto.BlobFeedResponse{LastSeq: since, Blobs: []syncproto.BlobState{}}
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
			res.Blobs = append(res.Blobs, syncproto.BlobState{ID: string(v), Size: m.Size, Chunks: m.Chunks, Committed: true, Seq: m.Seq, Device: m.Device})
			res.LastSeq = binary.BigEndian.Uint64(k)
		}
		// A feed that ends before since answers with its real end (the
		// last sequence given out: documents removed leave it).
		if len(res.Blobs) == 0 && res.LastSeq == since {
			res.LastSeq = min(since, logEnd(feed))
		}
		return nil
	})
	return res, err
}

func (b *backend) BlobHeader(ctx context.Context, pid, id string) (h []byte, st syncproto.BlobState, err error) {
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
			return syncproto.ErrUnknownBlob
		}
		h = bytes.Clone(data.Get(blobDataHeaderKey(id)))
		st = blobState(data, id, m)
		return nil
	})
	return h, st, err
}

func (b *backend) BlobChunk(ctx context.Context, pid, id string, i uint32) (c []byte, err error) {
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
			return syncproto.ErrUnknownBlob
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
