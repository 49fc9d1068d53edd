package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"chartkeeper/internal/atomicfile"
)

func TestWriteFileReplacesWholly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	if err := atomicfile.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(p, []byte("new content"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "new content" {
		t.Fatalf("read %q, %v", b, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	assertOnly(t, dir, "settings.json")
}

func TestWriteFailureLeavesOldContent(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "backup.db")
	if err := atomicfile.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk gone")
	n, err := atomicfile.Write(p, 0o600, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return boom
	})
	if !errors.Is(err, boom) || n != 0 {
		t.Fatalf("Write = %d, %v; want 0, %v", n, err, boom)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "old" {
		t.Fatalf("destination now %q, want the old content", b)
	}
	assertOnly(t, dir, "backup.db")
}

func TestWriteCountsBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.pdf")
	n, err := atomicfile.Write(p, 0o600, func(w io.Writer) error {
		_, err := w.Write(make([]byte, 12345))
		return err
	})
	if err != nil || n != 12345 {
		t.Fatalf("Write = %d, %v", n, err)
	}
}

func TestWriteIntoMissingFolderFails(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "file")
	if err := atomicfile.WriteFile(p, []byte("x"), 0o600); err == nil {
		t.Fatal("wrote into a folder that does not exist")
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(names) {
		var got []string
		for _, e := range ents {
			got = append(got, e.Name())
		}
		t.Fatalf("folder holds %v, want only %v (a temporary file was left behind)", got, names)
	}
}
