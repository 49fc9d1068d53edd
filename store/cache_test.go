package store

import (
	"bytes"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestCache(t *testing.T) {
	s, _ := newPractice(t)
	view := func(name string) ([]byte, error) {
		var out []byte
		err := s.View(func(tx *Tx) error {
			var err error
			out, err = tx.Cache(name)
			return err
		})
		return out, err
	}
	var before uint64
	s.View(func(tx *Tx) error { before = tx.LastChange(); return nil })
	if v, err := view("finder"); v != nil || err != nil {
		t.Fatalf("cache of a new store: %q, %v; want nothing", v, err)
	}
	want := bytes.Repeat([]byte("Ωμέγα Testperson "), 1000)
	for _, name := range []string{"finder", "other"} {
		if err := s.Update(func(tx *Tx) error { return tx.PutCache(name, append([]byte(name), want...)) }); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := view("finder"); err != nil || !bytes.Equal(v, append([]byte("finder"), want...)) {
		t.Fatalf("cache read back: %d bytes, %v", len(v), err)
	}
	// A cache entry is not a record: the change feed did not move.
	if cs, err := s.Changes(before, 10); err != nil || len(cs) != 0 {
		t.Fatalf("change feed after PutCache: %v, %v", cs, err)
	}
	// Sealed, bound to its name, and checked.
	raw(t, s, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCache)
		if bytes.Contains(b.Get([]byte("finder")), []byte("Testperson")) {
			t.Error("the cache is stored in the clear")
		}
		return b.Put([]byte("finder"), append([]byte(nil), b.Get([]byte("other"))...))
	})
	if _, err := view("finder"); !errors.Is(err, ErrTampered) {
		t.Fatalf("a cache value moved under another name: %v, want ErrTampered", err)
	}
	if err := s.View(func(tx *Tx) error { return tx.PutCache("finder", nil) }); err == nil {
		t.Fatal("PutCache in a read-only transaction worked")
	}
	if err := s.Update(func(tx *Tx) error { return tx.PutCache("", nil) }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("PutCache without a name: %v", err)
	}
	s.Lock()
	if _, err := view("other"); err == nil {
		t.Fatal("cache read while locked")
	}
}
