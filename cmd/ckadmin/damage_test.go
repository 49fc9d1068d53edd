package main

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/store"
)

const pageSize = 4096

// damage is one way a store file gets broken on a real disk or by hand.
type damage struct {
	name string
	do   func(t *testing.T, path string, b []byte) []byte
}

var damages = []damage{
	{"bytes flipped in the middle pages", func(_ *testing.T, _ string, b []byte) []byte {
		for i := len(b) / 4; i < 3*len(b)/4; i += 97 {
			b[i] ^= 0xff
		}
		return b
	}},
	{"a page in use zeroed", func(t *testing.T, path string, b []byte) []byte {
		pg := middleLeafPage(t, path)
		clear(b[pg*pageSize : (pg+1)*pageSize])
		return b
	}},
	{"truncated to half", func(_ *testing.T, _ string, b []byte) []byte {
		return b[:len(b)/2]
	}},
	{"meta pages overwritten with garbage", func(_ *testing.T, _ string, b []byte) []byte {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 2 * pageSize {
			b[i] = byte(rng.Uint32())
		}
		return b
	}},
	{"whole file garbage", func(_ *testing.T, _ string, b []byte) []byte {
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}},
	{"empty file", func(_ *testing.T, _ string, b []byte) []byte {
		return nil
	}},
}

// middleLeafPage finds a leaf page in use near the middle of the store file,
// so that zeroing it is certain to destroy data.
func middleLeafPage(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	best := -1
	err = db.View(func(tx *bolt.Tx) error {
		n := int(tx.Size() / pageSize)
		for id := 2; id < n; id++ {
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info != nil && info.Type == "leaf" && (best < 0 || abs(id-n/2) < abs(best-n/2)) {
				best = id
			}
		}
		return nil
	})
	if err != nil || best < 0 {
		t.Fatalf("no leaf page found: %v", err)
	}
	return best
}

func abs(x int) int { return max(x, -x) }

func TestVerifyDamagedStore(t *testing.T) {
	p := newPractice(t)
	p.seed(400)
	wantCode(t, "verify before the damage", p.admin("verify"), 0)
	for _, d := range damages {
		t.Run(strings.ReplaceAll(d.name, " ", "_"), func(t *testing.T) {
			dir := copyFolder(t, p.dir)
			path := store.FilePath(dir)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, d.do(t, path, b), 0o600); err != nil {
				t.Fatal(err)
			}
			r := p.run(nil, "verify", "--data", dir, "--user", "admin", "--password-file", p.adminPWFile)
			if r.code == 0 {
				t.Fatalf("verify passed a damaged store:\n%s", r.output())
			}
			wantOutput(t, "verify", r, "damage")
			t.Logf("verify: exit %d\n%s", r.code, r.output())
			// Other commands meet the damage without a stack trace too
			// (p.run fails the test on one); whether they succeed depends
			// on which pages they read.
			r = p.run(nil, "user", "list", "--data", dir, "--user", "admin", "--password-file", p.adminPWFile)
			t.Logf("user list: exit %d\n%s", r.code, r.output())
		})
	}
}

// copyFolder copies the files of a data folder into a new temporary one.
func copyFolder(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		in, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(filepath.Join(to, e.Name()), os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return to
}
