package scan_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// TestMain runs this test binary as an intake process for the crash test
// when SCAN_CRASH_CHILD is set, and as a process that takes in one file
// and reports its memory for BenchmarkIntakeImg2PDF24 when
// SCAN_INTAKE_CHILD is.
func TestMain(m *testing.M) {
	if os.Getenv("SCAN_CRASH_CHILD") == "1" {
		crashChild()
		os.Exit(0)
	}
	if os.Getenv("SCAN_INTAKE_CHILD") == "1" {
		intakeChild()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func crashChild() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "intake child:", err)
		os.Exit(1)
	}
	st, err := chart.OpenStore(os.Getenv("SCAN_STORE"))
	if err != nil {
		fail(err)
	}
	if err := st.Unlock(deskUser, []byte(testPass)); err != nil {
		fail(err)
	}
	svc, err := chart.Open(st)
	if err != nil {
		fail(err)
	}
	e, err := scan.NewEngine(scan.NewIntake(svc), scan.Config{
		Folders: []scan.Folder{{Path: os.Getenv("SCAN_DIR")}},
		Settle:  30 * time.Millisecond,
	})
	if err != nil {
		fail(err)
	}
	fail(e.Run(context.Background()))
}

func startChild(t *testing.T, storeDir, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SCAN_CRASH_CHILD=1", "SCAN_STORE="+storeDir, "SCAN_DIR="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestCrash kills an intake process with SIGKILL at random moments, at
// least 50 times, while 20 scans arrive. Every scan must be in the folder
// or in the store, never neither, and none may be stored twice.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	p := newPractice(t)
	storeDir := p.st.Dir()
	p.close()
	dir := t.TempDir()
	const files = 20
	contents := make([][]byte, files)
	for i := range contents {
		contents[i] = makePDF(3, fmt.Sprintf("crash scan %d", i), 500_000+i*50_000)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	writing := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(writing)
		for i, b := range contents {
			name := filepath.Join(dir, fmt.Sprintf("scan%02d.pdf", i))
			if i%2 == 0 {
				os.WriteFile(name+".part", b, 0o600)
				os.Rename(name+".part", name)
			} else { // written in two halves, slowly
				f, _ := os.Create(name)
				f.Write(b[:len(b)/2])
				time.Sleep(10 * time.Millisecond)
				f.Write(b[len(b)/2:])
				f.Close()
			}
			time.Sleep(time.Duration(500+rand.IntN(400)) * time.Millisecond)
		}
	}()
	kills, busy := 0, 0
	for done := false; kills < 50 || !done; kills++ {
		select {
		case <-writing:
			done = true
		default:
		}
		cmd := startChild(t, storeDir, dir)
		time.Sleep(time.Duration(rand.IntN(600)) * time.Millisecond)
		if waiting(dir) {
			busy++
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	wg.Wait()
	t.Logf("%d of %d kills came while scans waited in the folder", busy, kills)
	check := func(final bool) {
		t.Helper()
		q := reopen(t, storeDir)
		defer q.close()
		blobs := map[string]int{}
		for _, d := range q.documents() {
			blobs[d.Blob]++
			if blobs[d.Blob] > 1 {
				t.Errorf("blob %s is in %d documents", d.Blob, blobs[d.Blob])
			}
		}
		inFolder := 0
		for i, b := range contents {
			_, err := os.Stat(filepath.Join(dir, fmt.Sprintf("scan%02d.pdf", i)))
			there := err == nil
			stored := q.stored(b)
			if there {
				inFolder++
			}
			if !there && !stored {
				t.Errorf("scan %d is neither in the folder nor in the store", i)
			}
			if final && (there || !stored) {
				t.Errorf("after draining, scan %d: in the folder %v, stored %v", i, there, stored)
			}
		}
		if final && len(blobs) != files {
			t.Errorf("%d documents, want %d", len(blobs), files)
		}
		t.Logf("%d kills; %d scans still in the folder, %d documents", kills, inFolder, len(blobs))
	}
	check(false)
	// Let one intake run to the end: everything is taken, once.
	cmd := startChild(t, storeDir, dir)
	for deadline := time.Now().Add(30 * time.Second); len(dirNames(t, dir)) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the last commit was before the last removal
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	check(true)
}

// waiting reports whether a complete scan is in the folder.
func waiting(dir string) bool {
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if !scan.Temporary(de.Name()) {
			return true
		}
	}
	return false
}

func reopen(t *testing.T, dir string) *practice {
	t.Helper()
	st, err := chart.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Unlock(deskUser, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	svc, err := chart.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	return &practice{t: t, dir: dir, st: st, svc: svc}
}
