package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// A blob is put as a stream: chunks are read, sealed and written a few at
// a time in transactions of their own, and the last transaction writes
// the last chunks, the header and the content index entry together, which
// makes the blob visible all at once. While one batch of chunks commits,
// the next is read and sealed, so the reading and sealing of a large file
// overlap with the disk's writes and syncs.
//
// A blob whose chunks are spread over several transactions is listed in
// bucketBlobPuts from its first transaction to its last, which deletes
// the entry. A put that fails deletes its chunks and its entry; one cut
// off by a crash leaves both, and the next blob put on the store (after
// it is opened again) deletes them. Chunks of blobs being fetched through
// sync (BlobImport) are not listed: an interrupted download resumes.

// bucketBlobPuts lists the blobs being put whose first chunks are written
// but which are not complete yet (made on first use).
var bucketBlobPuts = []byte("blobputs")

// blobPuts is a store's record of the blob puts under way in this process.
type blobPuts struct {
	mu     sync.Mutex
	active map[string]bool
	swept  bool
}

func (p *blobPuts) begin(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active == nil {
		p.active = map[string]bool{}
	}
	p.active[id] = true
}

func (p *blobPuts) end(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, id)
}

// sealedChunk is one chunk sealed and waiting for its transaction.
type sealedChunk struct {
	idx uint32
	v   []byte
}

// PutBlobFrom stores everything read from r as a new blob, as PutBlob
// does, and runs then (when not nil) in the transaction that makes the
// blob visible: what then writes commits together with the blob or not
// at all. When identical content is already stored, nothing new is kept
// and then is given that blob, with Existing set. If then returns an
// error, the blob is not stored and PutBlobFrom returns that error.
//
// Two batches of sealed chunks (chunksPerTx each, 8 MB) and two chunks
// read are in memory at a time, however large the content.
func (s *Store) PutBlobFrom(r io.Reader, then func(tx *Tx, info BlobInfo) error) (BlobInfo, error) {
	return s.putBlobFrom(r, false, then)
}

// PutClinicalBlobFrom is [Store.PutBlobFrom] with the chunks sealed to the
// clinical document key, as [Store.PutClinicalBlob] seals them.
func (s *Store) PutClinicalBlobFrom(r io.Reader, then func(tx *Tx, info BlobInfo) error) (BlobInfo, error) {
	return s.putBlobFrom(r, true, then)
}

func (s *Store) putBlobFrom(r io.Reader, clinical bool, then func(tx *Tx, info BlobInfo) error) (BlobInfo, error) {
	// Content under the general key is sealed under the newest epoch the
	// session holds once a rotation made one (blobepoch.go).
	var (
		box   *clinicalBlobSealer
		epoch *epochBlobSealer
	)
	s.mu.RLock()
	if s.sess == nil {
		s.mu.RUnlock()
		return BlobInfo{}, ErrLocked
	}
	var err error
	if clinical {
		box, err = s.sess.clinicalBlobSealer()
	} else if e := s.sess.blobEpoch(); e != 0 {
		epoch = newEpochBlobSealer(e)
	}
	s.mu.RUnlock()
	if err != nil {
		return BlobInfo{}, err
	}
	s.sweepBlobPuts()
	id := NewID()
	s.puts.begin(id)
	defer s.puts.end(id)
	info := BlobInfo{ID: id, Clinical: clinical}
	if epoch != nil {
		info.Epoch = epoch.epoch
	}
	h := sha256.New()
	cur := make([]byte, BlobChunkSize)
	next := make([]byte, BlobChunkSize)
	n, err := io.ReadFull(r, cur)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return BlobInfo{}, fmt.Errorf("reading the content: %w", err)
	}
	cur = cur[:n]

	// One batch is filled while the one before commits. The sealed
	// buffers of a committed batch are used again (bbolt holds values
	// only until the commit).
	var (
		batch    []sealedChunk
		sent     []sealedChunk // the batch committing
		inflight chan error    // its result
		free     [][]byte
		written  bool // a batch has committed (the blob is listed)
	)
	wait := func() error {
		if inflight == nil {
			return nil
		}
		err := <-inflight
		inflight = nil
		written = written || err == nil
		for _, c := range sent {
			free = append(free, c.v[:0])
		}
		sent = nil
		return err
	}
	fail := func(err error) (BlobInfo, error) {
		if werr := wait(); werr != nil && err == nil {
			err = werr
		}
		s.dropBlobPut(id)
		return BlobInfo{}, err
	}
	for {
		// Read ahead one chunk to learn whether cur is the last.
		var m int
		last := len(cur) < BlobChunkSize
		if !last {
			m, err = io.ReadFull(r, next[:BlobChunkSize])
			if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
				return fail(fmt.Errorf("reading the content: %w", err))
			}
			last = m == 0
		}
		h.Write(cur)
		info.Size += int64(len(cur))
		var dst []byte
		if k := len(free); k > 0 {
			dst, free = free[k-1], free[:k-1]
		}
		s.mu.RLock()
		if s.sess == nil {
			s.mu.RUnlock()
			return fail(ErrLocked)
		}
		var (
			v    []byte
			serr error
		)
		switch {
		case clinical:
			v = box.seal(cur, blobChunkAD(id, info.Chunks, last))
		case epoch != nil:
			v, serr = epoch.seal(s.sess, dst, cur, blobChunkAD(id, info.Chunks, last))
		default:
			v = s.sess.key.seal(dst, cur, blobChunkAD(id, info.Chunks, last))
		}
		s.mu.RUnlock()
		if serr != nil {
			return fail(serr)
		}
		batch = append(batch, sealedChunk{info.Chunks, v})
		info.Chunks++
		if last {
			break
		}
		if len(batch) >= chunksPerTx {
			if err := wait(); err != nil {
				return fail(err)
			}
			first := !written
			inflight = make(chan error, 1)
			go func(b []sealedChunk, done chan<- error) {
				done <- s.writeBlobChunks(id, b, first)
			}(batch, inflight)
			sent, batch = batch, make([]sealedChunk, 0, chunksPerTx)
		}
		cur, next = next[:m], cur[:cap(cur)]
	}
	if err := wait(); err != nil {
		return fail(err)
	}
	copy(info.SHA256[:], h.Sum(nil))
	// The last chunks, the header and the index entry commit together.
	err = s.Update(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		puts := tx.btx.Bucket(bucketBlobPuts)
		if written {
			if puts == nil || puts.Get([]byte(id)) == nil {
				return fmt.Errorf("blob %s: its first chunks were removed while it was written", id)
			}
			if err := puts.Delete([]byte(id)); err != nil {
				return err
			}
		}
		ib := tx.btx.Bucket(bucketBlobIndex)
		ik, err := tx.sess.newBlobIndexKey(info.Epoch, info.SHA256)
		if err != nil {
			return err
		}
		// The same content sealed the same way (to the clinical document
		// key, or under the same epoch of the general key) is stored
		// once; content sealed otherwise is stored again, and the index
		// names the newer.
		var existing BlobInfo
		stored := false
		if old := ib.Get(ik); old != nil {
			oi, err := tx.blobInfo(string(old))
			if err == nil && oi.Clinical == clinical && oi.Epoch == info.Epoch {
				existing, stored = oi, true
			}
		}
		if stored {
			// Stored already: the chunks written so far go.
			if err := deleteChunksOf(b, id); err != nil {
				return err
			}
			existing.Existing = true
			info = existing
		} else {
			for _, c := range batch {
				if err := b.Put(blobChunkKey(id, c.idx), c.v); err != nil {
					return err
				}
			}
			full := blobHeader{BlobInfo: info}
			switch {
			case clinical:
				full = box.header(info)
			case epoch != nil:
				if full, err = epoch.header(tx.sess, info); err != nil {
					return err
				}
			}
			hdr, _ := json.Marshal(full)
			if err := b.Put(blobHeaderKey(id), tx.sess.key.seal(nil, hdr, blobHeaderAD(id))); err != nil {
				return err
			}
			if err := tx.noteBlob(id, false); err != nil { // the blob feed (blobsync.go)
				return err
			}
			if err := ib.Put(ik, []byte(id)); err != nil {
				return err
			}
		}
		if then != nil {
			return then(tx, info)
		}
		return nil
	})
	if err != nil {
		if written {
			s.dropBlobPut(id)
		}
		return BlobInfo{}, err
	}
	return info, nil
}

// writeBlobChunks commits one batch of a blob's chunks; the first batch
// lists the blob in bucketBlobPuts, the others check that it still is.
func (s *Store) writeBlobChunks(id string, batch []sealedChunk, first bool) error {
	return s.Update(func(tx *Tx) error {
		puts := tx.btx.Bucket(bucketBlobPuts)
		if first {
			var err error
			if puts, err = tx.btx.CreateBucketIfNotExists(bucketBlobPuts); err != nil {
				return err
			}
			if err := puts.Put([]byte(id), nil); err != nil {
				return err
			}
		} else if puts == nil || puts.Get([]byte(id)) == nil {
			return fmt.Errorf("blob %s: its first chunks were removed while it was written", id)
		}
		b := tx.btx.Bucket(bucketBlobs)
		for _, c := range batch {
			if err := b.Put(blobChunkKey(id, c.idx), c.v); err != nil {
				return err
			}
		}
		return nil
	})
}

// dropBlobPut deletes what a blob put that did not complete wrote: its
// chunks and its entry in bucketBlobPuts. It needs no key, so it works on
// a store locked meanwhile.
func (s *Store) dropBlobPut(id string) {
	_ = s.db.Update(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketBlobs).Get(blobHeaderKey(id)) != nil {
			return nil // completed after all
		}
		if err := deleteChunksOf(btx.Bucket(bucketBlobs), id); err != nil {
			return err
		}
		if puts := btx.Bucket(bucketBlobPuts); puts != nil {
			return puts.Delete([]byte(id))
		}
		return nil
	})
}

// deleteChunksOf deletes every chunk stored under blob id.
func deleteChunksOf(b *bolt.Bucket, id string) error {
	prefix := append([]byte(id), 0, 'c')
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// sweepBlobPuts deletes, once per opening of the store, the chunks of blob
// puts that a crash cut off (listed in bucketBlobPuts, not under way in
// this process).
func (s *Store) sweepBlobPuts() {
	s.puts.mu.Lock()
	if s.puts.swept {
		s.puts.mu.Unlock()
		return
	}
	s.puts.swept = true
	s.puts.mu.Unlock()
	var ids []string
	_ = s.db.View(func(btx *bolt.Tx) error {
		puts := btx.Bucket(bucketBlobPuts)
		if puts == nil {
			return nil
		}
		return puts.ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	for _, id := range ids {
		s.puts.mu.Lock()
		busy := s.puts.active[id]
		s.puts.mu.Unlock()
		if !busy {
			s.dropBlobPut(id)
		}
	}
}
