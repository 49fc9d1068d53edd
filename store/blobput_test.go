package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestPutBlobFromThen: what then writes commits with the blob; an error
// from then stores neither and leaves no chunks behind; content stored
// already is handed to then as the earlier blob.
func TestPutBlobFromThen(t *testing.T) {
	s, _ := newPractice(t)
	content := randomContent(3*chunksPerTx*BlobChunkSize+123, 5)
	var inTx BlobInfo
	info, err := s.PutBlobFrom(bytes.NewReader(content), func(tx *Tx, bi BlobInfo) error {
		inTx = bi
		_, err := tx.Put("note", "", "", []byte("the blob is "+bi.ID))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if inTx.ID != info.ID || info.Existing || info.Size != int64(len(content)) {
		t.Fatalf("then saw %+v, put returned %+v", inTx, info)
	}
	if got, err := readAllBlob(s, info.ID); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back: %v", err)
	}

	refused := errors.New("the chart went away")
	other := randomContent(2*chunksPerTx*BlobChunkSize+7, 6)
	if _, err := s.PutBlobFrom(bytes.NewReader(other), func(*Tx, BlobInfo) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("then's error: got %v", err)
	}
	again, err := s.PutBlobFrom(bytes.NewReader(content), func(tx *Tx, bi BlobInfo) error {
		inTx = bi
		return nil
	})
	if err != nil || !again.Existing || again.ID != info.ID || inTx != again {
		t.Fatalf("same content again: %+v (then saw %+v), %v", again, inTx, err)
	}
	rep, err := s.Verify()
	if err != nil || !rep.OK() || rep.Blobs != 1 || len(rep.Incomplete) != 0 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	if n := pendingPuts(t, s); n != 0 {
		t.Errorf("%d blob puts still listed", n)
	}
}

func pendingPuts(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(btx *bolt.Tx) error {
		if b := btx.Bucket(bucketBlobPuts); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// stallingReader gives n bytes, then blocks forever: a scan whose last
// part never comes.
type stallingReader struct{ n int }

func (r *stallingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		select {}
	}
	m := min(len(p), r.n)
	r.n -= m
	return m, nil
}

// TestCrashPutChild is the child of TestCrashMidPut: it puts a blob whose
// content stops coming after a few batches, says "mid" once they are
// committed, and waits to be killed.
func TestCrashPutChild(t *testing.T) {
	dir := os.Getenv("CK_CRASHPUT_DIR")
	if dir == "" {
		t.Skip("run by TestCrashMidPut")
	}
	s, err := Open(dir)
	if err == nil {
		err = s.Unlock("admin", []byte(adminPass))
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	go s.PutBlob(&stallingReader{n: 3*chunksPerTx*BlobChunkSize + 5})
	for {
		chunks := 0
		_ = s.db.View(func(btx *bolt.Tx) error {
			chunks = btx.Bucket(bucketBlobs).Stats().KeyN
			return nil
		})
		if chunks >= 2*chunksPerTx {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "mid")
	w.Flush()
	select {}
}

// TestCrashMidPut kills a process in the middle of a streamed blob put,
// after some of its chunks are committed: the store opens, the blob is
// not there, its chunks are listed as incomplete until the next blob put
// deletes them, and a download fetched through sync half-way is kept.
func TestCrashMidPut(t *testing.T) {
	s, _ := newPractice(t)
	dir := s.Dir()
	// A blob half fetched through sync: a chunk stored under its ID, no
	// header yet (BlobImport keeps such chunks for the download to
	// resume).
	const download = "0123456789abcdef0123456789abcdef"
	if err := s.db.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(bucketBlobs).Put(blobChunkKey(download, 0), []byte("sealed chunk as received"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashPutChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), "CK_CRASHPUT_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		if l != "mid" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", l)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the child never got half-way")
	}
	cmd.Process.Kill()
	cmd.Wait()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Verify()
	if err != nil || !rep.OK() || rep.Blobs != 0 || len(rep.Incomplete) != 2 {
		t.Fatalf("after the crash: %+v %v", rep, err)
	}
	if n := pendingPuts(t, s); n != 1 {
		t.Fatalf("%d blob puts listed after the crash, want 1", n)
	}
	content := randomContent(2*chunksPerTx*BlobChunkSize, 8)
	info, err := s.PutBlob(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	rep, err = s.Verify()
	if err != nil || !rep.OK() || rep.Blobs != 1 || len(rep.Incomplete) != 1 || rep.Incomplete[0] != download {
		t.Fatalf("after the next put: %+v %v", rep, err)
	}
	if n := pendingPuts(t, s); n != 0 {
		t.Errorf("%d blob puts still listed", n)
	}
	if got, err := readAllBlob(s, info.ID); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the next blob: %v", err)
	}
}
