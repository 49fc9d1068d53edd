package ui

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
	wantText(t, top, "allergy record ")
	wantText(t, top, " was removed from the store file")
	sessionOf(t, ws)
}

// TestSignInToAnEditedStoreInFrench: in French, signing in to a store
// edited behind its back says so, and lists under that sentence what the
// check found, in French, the record's type named in French, in a
// scrolling area of a dialog that fits 683×512 units.
func TestSignInToAnEditedStoreInFrench(t *testing.T) {
	p := newPractice(t)
	removeAllergies(t, p.dir)
	ws, w := openInFrench(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	top := waitForOverlay(t, w)
	if top == nil {
		t.Fatalf("no word of the edited store file (state: %v); the window shows:\n%s", ws.st.StateError(false), strings.Join(texts(w.Content()), "\n"))
	}
	var shown string
	var size fyne.Size
	var scrolls int
	fyne.DoAndWait(func() {
		shown = strings.Join(texts(top), "\n")
		size = overlayMin(top)
		walk(top, func(o fyne.CanvasObject) {
			if sc, ok := o.(*container.Scroll); ok && strings.Contains(strings.Join(texts(sc.Content), "\n"), "Suppression") {
				scrolls++
			}
		})
	})
	for _, want := range []string{
		"Des données enregistrées ont échoué au contrôle d'intégrité",
		"Suppression dans le fichier de données : l'élément ",
		"(allergie), révision ",
		"Suppression dans le fichier de données : les révisions actuelles de l'élément ",
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("the sign-in does not say %q; it shows:\n%s", want, shown)
		}
	}
	for _, english := range []string{"was removed", "record", "allergy"} {
		if strings.Contains(shown, english) {
			t.Errorf("the sign-in still says %q in English:\n%s", english, shown)
		}
	}
	if scrolls != 1 {
		t.Errorf("the problems are in %d scrolling areas, not one", scrolls)
	}
	if size.Width > fitSmallScaled.Width || size.Height > fitSmallScaled.Height {
		t.Errorf("the dialog needs %.0f×%.0f, more than %.0f×%.0f", size.Width, size.Height, fitSmallScaled.Width, fitSmallScaled.Height)
	}
	sessionOf(t, ws)
}

// waitForOverlay waits up to 10 seconds for a dialog on w (nil: none).
func waitForOverlay(t *testing.T, w fyne.Window) fyne.CanvasObject {
	t.Helper()
	var top fyne.CanvasObject
	for deadline := time.Now().Add(10 * time.Second); top == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		fyne.DoAndWait(func() { top = w.Canvas().Overlays().Top() })
	}
	return top
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
