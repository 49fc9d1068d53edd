package store

import (
	"bytes"
	"errors"
	"io"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestBlobFeed(t *testing.T) {
	s, _ := newPractice(t)
	old, err := s.PutBlob(bytes.NewReader(randomContent(100, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// A store made before the feed: it is made from the blobs there.
	raw(t, s, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketBlobFeed); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketBlobFeedIDs)
	})
	feed, err := s.BlobFeed(0, 10)
	if err != nil || len(feed) != 1 || feed[0].ID != old.ID || feed[0].Remote || feed[0].Seq != 1 {
		t.Fatalf("feed of an older store: %v %+v", err, feed)
	}
	n1, _ := s.PutBlob(bytes.NewReader(randomContent(200, 2)))
	dup, _ := s.PutBlob(bytes.NewReader(randomContent(200, 2)))
	n2, _ := s.PutBlob(bytes.NewReader(randomContent(300, 3)))
	if !dup.Existing {
		t.Fatal("identical content stored twice")
	}
	feed, err = s.BlobFeed(1, 10)
	if err != nil || len(feed) != 2 || feed[0].ID != n1.ID || feed[1].ID != n2.ID || feed[1].Seq != 3 {
		t.Fatalf("feed after more blobs: %v %+v", err, feed)
	}
	if feed, _ := s.BlobFeed(0, 2); len(feed) != 2 {
		t.Fatalf("limit: %+v", feed)
	}
}

// exportBlob returns a blob as it travels: sealed header and chunks.
func exportBlob(t *testing.T, s *Store, id string) ([]byte, [][]byte) {
	t.Helper()
	h, info, err := s.ExportBlobHeader(id)
	if err != nil {
		t.Fatal(err)
	}
	var chunks [][]byte
	for i := uint32(0); i < info.Chunks; i++ {
		c, err := s.ExportBlobChunk(info, i)
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, c)
	}
	return h, chunks
}

func TestBlobImport(t *testing.T) {
	s, _ := newPractice(t)
	s2 := twin(t, s)
	content := randomContent(3*BlobChunkSize+5, 4)
	info, err := s.PutBlob(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.PutBlob(bytes.NewReader(randomContent(10, 5)))
	header, chunks := exportBlob(t, s, info.ID)
	if len(chunks) != 4 || BlobChunkCount(info.Size) != 4 || BlobChunkPlainSize(info.Size, 3) != 5 {
		t.Fatalf("%d chunks", len(chunks))
	}

	// A header sealed for another blob is refused.
	otherHeader, _ := exportBlob(t, s, other.ID)
	if _, err := s2.ImportBlob(info.ID, otherHeader); !errors.Is(err, ErrTampered) {
		t.Fatalf("another blob's header: %v", err)
	}
	imp, err := s2.ImportBlob(info.ID, header)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := imp.Missing(); len(m) != 4 {
		t.Fatalf("missing %v", m)
	}
	// Misplaced, damaged and foreign chunks are refused and not stored.
	for name, try := range map[string]func() error{
		"chunk 1 as chunk 0":   func() error { return imp.PutChunk(0, chunks[1]) },
		"flipped chunk":        func() error { return imp.PutChunk(0, flip(chunks[0])) },
		"last chunk elsewhere": func() error { return imp.PutChunk(2, chunks[3]) },
	} {
		if err := try(); !errors.Is(err, ErrTampered) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if m, _ := imp.Missing(); len(m) != 4 {
		t.Fatalf("a refused chunk was stored: missing %v", m)
	}
	for _, i := range []uint32{0, 2} {
		if err := imp.PutChunk(i, chunks[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Commit(); !errors.Is(err, ErrTampered) {
		t.Fatalf("commit with chunks missing: %v", err)
	}
	if ok, _ := s2.HasBlob(info.ID); ok {
		t.Fatal("a half-imported blob is visible")
	}
	if _, err := s2.BlobInfo(info.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BlobInfo of a half-imported blob: %v", err)
	}

	// Resume: a new import asks only for what is missing.
	imp, err = s2.ImportBlob(info.ID, header)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := imp.Missing()
	if len(m) != 2 || m[0] != 1 || m[1] != 3 {
		t.Fatalf("resume misses %v, want [1 3]", m)
	}
	for _, i := range m {
		if err := imp.PutChunk(i, chunks[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Commit(); err != nil {
		t.Fatal(err)
	}
	rc, got, err := s2.OpenBlob(info.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(b, content) || got.SHA256 != info.SHA256 {
		t.Fatalf("imported content differs: %v", err)
	}
	if id, ok, _ := s2.FindBlob(info.SHA256); !ok || id != info.ID {
		t.Fatal("the imported blob is not in the content index")
	}
	feed, _ := s2.BlobFeed(0, 10)
	if len(feed) != 1 || feed[0].ID != info.ID || !feed[0].Remote {
		t.Fatalf("the import's feed entry: %+v", feed)
	}
	rep, err := s2.Verify()
	if err != nil || len(rep.Problems) > 0 || len(rep.Incomplete) > 0 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	// Importing again is a no-op.
	if imp, err := s2.ImportBlob(info.ID, header); err != nil || !imp.Done() {
		t.Fatalf("import of a held blob: %v", err)
	}
}

// Content whose chunks all open but do not match the header's hash (a
// chunk replaced by the same index of another blob with the same ID
// cannot be made without the key; this is the header of a blob whose
// content was changed before sealing) is refused at commit and Abort
// leaves nothing.
func TestBlobImportAbort(t *testing.T) {
	s, _ := newPractice(t)
	s2 := twin(t, s)
	info, _ := s.PutBlob(bytes.NewReader(randomContent(BlobChunkSize+7, 6)))
	header, chunks := exportBlob(t, s, info.ID)
	imp, err := s2.ImportBlob(info.ID, header)
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.PutChunk(0, chunks[0]); err != nil {
		t.Fatal(err)
	}
	if err := imp.PutChunk(1, flip(chunks[1])); !errors.Is(err, ErrTampered) {
		t.Fatalf("flipped: %v", err)
	}
	imp.Abort()
	rep, err := s2.Verify()
	if err != nil || len(rep.Incomplete) > 0 || rep.Blobs != 0 {
		t.Fatalf("after abort: %v %+v", err, rep)
	}
}
