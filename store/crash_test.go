package store

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCrashChild is the child of TestCrashKill: it writes until killed,
// printing "ack ID REV BODY" after each write returns.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("CK_CRASH_DIR")
	if dir == "" {
		t.Skip("run by TestCrashKill")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var ids []string
	revs := map[string]string{}
	for i := 0; ; i++ {
		body := fmt.Sprintf("body-%d-%d", os.Getpid(), i)
		var r Record
		switch op := rng.IntN(10); {
		case op < 4 || len(ids) == 0:
			r, err = s.Put("patient", "", "", []byte(body))
			ids = append(ids, r.ID)
		case op < 8:
			id := ids[rng.IntN(len(ids))]
			err = s.Update(func(tx *Tx) error {
				var err error
				r, err = tx.Put("patient", id, revs[id], []byte(body))
				if err != nil {
					return err
				}
				return tx.Audit(AuditEvent{Action: "record.update", Subject: id})
			})
		case op < 9:
			var info BlobInfo
			info, err = s.PutBlob(bytes.NewReader(randomContent(BlobChunkSize*2+rng.IntN(BlobChunkSize), rng.Uint64())))
			if err == nil {
				fmt.Fprintf(out, "blob %s\n", info.ID)
				out.Flush()
			}
			continue
		default:
			_ = s.Audit(AuditEvent{Action: "view", Subject: ids[0]}) // only the records are checked
			continue
		}
		if err != nil {
			fmt.Fprintln(out, "error", err)
			out.Flush()
			os.Exit(1)
		}
		revs[r.ID] = r.Rev
		fmt.Fprintf(out, "ack %s %s %s\n", r.ID, r.Rev, body)
		out.Flush()
	}
}

// TestCrashKill kills a writing child with SIGKILL at random moments, many
// times, and checks after each kill that the store opens, every write the
// child saw acknowledged is there, and verification passes.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	s, _ := newPractice(t)
	dir := s.Dir()
	s.Close()
	type ack struct{ rev, body string }
	acked := map[string]ack{} // record ID -> latest acknowledged revision
	var blobs []string
	rng := rand.New(rand.NewPCG(42, 42))
	const kills = 60
	for i := 0; i < kills; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), "CK_CRASH_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill at a random moment: sometimes while opening, mostly mid-write.
		deadline := time.After(time.Duration(rng.IntN(150)) * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				f := strings.Fields(l)
				switch {
				case f[0] == "ack" && len(f) == 4:
					acked[f[1]] = ack{f[2], f[3]}
				case f[0] == "blob":
					blobs = append(blobs, f[1])
				default:
					t.Fatalf("child: %s", l)
				}
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Kill()
		for l := range lines { // acks printed before the kill landed
			if f := strings.Fields(l); len(f) == 4 && f[0] == "ack" {
				acked[f[1]] = ack{f[2], f[3]}
			} else if len(f) == 2 && f[0] == "blob" {
				blobs = append(blobs, f[1])
			}
		}
		cmd.Wait()

		s, err := Open(dir)
		if err != nil {
			t.Fatalf("kill %d: open: %v", i, err)
		}
		if err := s.Unlock("admin", []byte(adminPass)); err != nil {
			t.Fatalf("kill %d: unlock: %v", i, err)
		}
		for id, a := range acked {
			var r Record
			err := s.View(func(tx *Tx) error { var err error; r, err = tx.GetRev(id, a.rev); return err })
			if err != nil || string(r.Body) != a.body {
				t.Fatalf("kill %d: acknowledged write %s %s lost: %v", i, id, a.rev, err)
			}
			cur, err := s.Get(id)
			if err != nil {
				t.Fatalf("kill %d: %v", i, err)
			}
			pr, _ := ParseRev(cur.Rev)
			ar, _ := ParseRev(a.rev)
			if pr.Gen < ar.Gen {
				t.Fatalf("kill %d: record %s went back from %s to %s", i, id, a.rev, cur.Rev)
			}
			acked[id] = ack{cur.Rev, string(cur.Body)}
		}
		for _, b := range blobs {
			if _, err := readAllBlob(s, b); err != nil {
				t.Fatalf("kill %d: acknowledged blob %s: %v", i, b, err)
			}
		}
		rep, err := s.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("kill %d: verify: %v %v", i, err, rep.Problems)
		}
		s.Close()
	}
	t.Logf("%d kills, %d records and %d blobs acknowledged and found", kills, len(acked), len(blobs))
}
