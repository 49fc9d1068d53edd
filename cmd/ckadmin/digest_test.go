package main

import (
	"bytes"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestVerifyNamesADeletedRecord removes a record from the store file with
// bbolt (every key of it, and its index entry), as someone with the file
// and no password could: nothing points at it any more, and only the
// state digest tells: verify names it. (Signing in warns of what the
// quick check finds, which leaves the records to the full check.)
func TestVerifyNamesADeletedRecord(t *testing.T) {
	p := newPractice(t)
	id, _ := p.seed(3)
	db, err := bolt.Open(filepath.Join(p.dir, "chartkeeper.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		revs := tx.Bucket([]byte("revs"))
		var del [][]byte
		c := revs.Cursor()
		prefix := append([]byte(id), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			del = append(del, bytes.Clone(k))
		}
		for _, k := range del {
			if err := revs.Delete(k); err != nil {
				return err
			}
		}
		if err := tx.Bucket([]byte("types")).Delete(append([]byte("patient\x00"), id...)); err != nil {
			return err
		}
		ch := tx.Bucket([]byte("changes"))
		del = nil
		c = ch.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if bytes.Contains(v, []byte(id)) {
				del = append(del, bytes.Clone(k))
			}
		}
		for _, k := range del {
			if err := ch.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := p.admin("verify")
	wantCode(t, "verify", r, 1)
	wantOutput(t, "verify", r, "patient record "+id+", revision", "was removed from the store file", "the store is damaged")
}
