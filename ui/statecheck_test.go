package ui

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	bolt "go.etcd.io/bbolt"
)

// TestSignInToAnEditedStore removes the patient's allergy from the store
// file with bbolt, as someone with the file and no password could; signing
// in says the stored data failed its integrity check, as
// for a damaged store, and the session goes on.
func TestSignInToAnEditedStore(t *testing.T) {
	p := newPractice(t)
	removeAllergies(t, p.dir)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	var top fyne.CanvasObject
	for deadline := time.Now().Add(10 * time.Second); top == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		fyne.DoAndWait(func() { top = w.Canvas().Overlays().Top() })
	}
	if top == nil {
		t.Fatalf("no word of the edited store file (state: %v, signed in: %v); the window shows:\n%s", ws.st.StateError(false), ws.sess != nil, strings.Join(texts(w.Content()), "\n"))
	}
	wantText(t, top, "Stored data failed its integrity check")
	sessionOf(t, ws)
}

// removeAllergies deletes every allergy record from the store file in dir
// with bbolt, as someone with the file and no password could: its
// revisions, its type index entry and its change feed entries, so that
// nothing is left that points at it; only the state digest knows.
func removeAllergies(t *testing.T, dir string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "chartkeeper.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	err = db.Update(func(tx *bolt.Tx) error {
		prefix := []byte("allergy\x00")
		types := tx.Bucket([]byte("types"))
		var ids [][]byte
		c := types.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, bytes.Clone(k[len(prefix):]))
		}
		for _, id := range ids {
			// Every key of the record, its index entry and its change
			// feed entries: nothing is left that points at it.
			if err := types.Delete(append(bytes.Clone(prefix), id...)); err != nil {
				return err
			}
			for _, b := range []string{"revs", "changes"} {
				bk := tx.Bucket([]byte(b))
				var del [][]byte
				rc := bk.Cursor()
				for k, v := rc.First(); k != nil; k, v = rc.Next() {
					if bytes.HasPrefix(k, append(bytes.Clone(id), 0)) || b == "changes" && bytes.Contains(v, id) {
						del = append(del, bytes.Clone(k))
					}
				}
				for _, k := range del {
					if err := bk.Delete(k); err != nil {
						return err
					}
					removed++
				}
			}
		}
		return nil
	})
	db.Close()
	if err != nil || removed == 0 {
		t.Fatalf("removing the allergy: %d keys, %v", removed, err)
	}
}
