package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func randomContent(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestBlobRoundTrip(t *testing.T) {
	s, _ := newPractice(t)
	for i, n := range []int{0, 1, 1000, BlobChunkSize - 1, BlobChunkSize, BlobChunkSize + 1, 3*BlobChunkSize + 17, chunksPerTx*BlobChunkSize + 5} {
		want := randomContent(n, uint64(i))
		info, err := s.PutBlob(bytes.NewReader(want))
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		if info.Size != int64(n) || info.SHA256 != sha256.Sum256(want) || info.Existing {
			t.Fatalf("size %d: info %+v", n, info)
		}
		rc, _, err := s.OpenBlob(info.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: read back %d bytes, %v", n, len(got), err)
		}
		// The same content again is stored once.
		again, err := s.PutBlob(bytes.NewReader(want))
		if err != nil || !again.Existing || again.ID != info.ID {
			t.Fatalf("size %d: second put %+v %v", n, again, err)
		}
		if id, ok, _ := s.FindBlob(sha256.Sum256(want)); !ok || id != info.ID {
			t.Fatalf("FindBlob: %q %v", id, ok)
		}
	}
	rep, err := s.Verify()
	if err != nil || !rep.OK() || len(rep.Incomplete) != 0 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// A reader that fails midway leaves no visible blob and no stray chunks.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("scanner unplugged")
	}
	m := min(len(p), f.n)
	f.n -= m
	return m, nil
}

func TestBlobInterrupted(t *testing.T) {
	s, _ := newPractice(t)
	if _, err := s.PutBlob(&failingReader{n: (chunksPerTx + 2) * BlobChunkSize}); err == nil {
		t.Fatal("PutBlob from a failing reader succeeded")
	}
	rep, _ := s.Verify()
	if !rep.OK() || rep.Blobs != 0 || len(rep.Incomplete) != 0 {
		t.Fatalf("after a failed put: %+v", rep)
	}
}

func blobOf(t *testing.T, s *Store, chunks int) (BlobInfo, []byte) {
	want := randomContent(chunks*BlobChunkSize-100, 9)
	info, err := s.PutBlob(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	return info, want
}

func readAllBlob(s *Store, id string) ([]byte, error) {
	rc, _, err := s.OpenBlob(id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestBlobDamage(t *testing.T) {
	cases := map[string]func(b *bolt.Bucket, id string){
		"truncated (last chunk removed)": func(b *bolt.Bucket, id string) { b.Delete(blobChunkKey(id, 2)) },
		"reordered": func(b *bolt.Bucket, id string) {
			c0 := append([]byte(nil), b.Get(blobChunkKey(id, 0))...)
			c1 := append([]byte(nil), b.Get(blobChunkKey(id, 1))...)
			b.Put(blobChunkKey(id, 0), c1)
			b.Put(blobChunkKey(id, 1), c0)
		},
		"chunk repeated": func(b *bolt.Bucket, id string) {
			b.Put(blobChunkKey(id, 1), append([]byte(nil), b.Get(blobChunkKey(id, 0))...))
		},
		"middle chunk as last": func(b *bolt.Bucket, id string) {
			b.Put(blobChunkKey(id, 2), append([]byte(nil), b.Get(blobChunkKey(id, 1))...))
		},
		"byte flipped": func(b *bolt.Bucket, id string) {
			v := append([]byte(nil), b.Get(blobChunkKey(id, 1))...)
			v[500] ^= 1
			b.Put(blobChunkKey(id, 1), v)
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			s, _ := newPractice(t)
			info, _ := blobOf(t, s, 3)
			raw(t, s, func(tx *bolt.Tx) error { damage(tx.Bucket(bucketBlobs), info.ID); return nil })
			if _, err := readAllBlob(s, info.ID); !errors.Is(err, ErrTampered) {
				t.Fatalf("read: %v, want ErrTampered", err)
			}
			if rep, _ := s.Verify(); rep.OK() {
				t.Fatal("verify missed it")
			}
		})
	}
	t.Run("chunk from another blob", func(t *testing.T) {
		s, _ := newPractice(t)
		a, _ := blobOf(t, s, 2)
		b, err := s.PutBlob(bytes.NewReader(randomContent(2*BlobChunkSize-100, 10)))
		if err != nil {
			t.Fatal(err)
		}
		raw(t, s, func(tx *bolt.Tx) error {
			bk := tx.Bucket(bucketBlobs)
			return bk.Put(blobChunkKey(b.ID, 0), append([]byte(nil), bk.Get(blobChunkKey(a.ID, 0))...))
		})
		if _, err := readAllBlob(s, b.ID); !errors.Is(err, ErrTampered) {
			t.Fatalf("read: %v", err)
		}
	})
}
