package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// A rotation also renews the clinical document key (it is derived from the
// clinical key): a clinical document filed after a clinician was disabled
// is sealed to the new epoch's key, which the removed clinician's keys do
// not open, while the remaining clinicians open documents of both epochs.
func TestRotationSealsDocumentsToTheNewKey(t *testing.T) {
	ip := newInsiderPractice(t)
	a := ip.a
	if _, err := a.AddUser(NewUser{Username: "doc2", Name: "Test Doctwo Ngozi", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	before := bytes.Repeat([]byte("Zqxdocbefore "), 2*BlobChunkSize/13)
	after := bytes.Repeat([]byte("Zqxdocafter "), 2*BlobChunkSize/12)
	signIn(t, a, "desk")
	_, blobBefore := fileClinicalDoc(t, a, before)

	// What the removed clinician's copy holds: their clinical key.
	signIn(t, a, "doc2")
	a.mu.RLock()
	k := a.sess.clinical
	stolen, err := newCompartmentKey(CompartmentClinical, k.epoch, bytes.Clone(k.key[:]))
	a.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}

	signIn(t, a, "admin")
	if err := a.DisableUser("doc2"); err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "desk")
	_, blobAfter := fileClinicalDoc(t, a, after)

	var hdr blobHeader
	if err := a.View(func(tx *Tx) (err error) { hdr, err = tx.blobHeader(blobAfter); return err }); err != nil {
		t.Fatal(err)
	}
	info, err := a.BlobInfo(blobAfter)
	if err != nil {
		t.Fatal(err)
	}
	chunk0, err := a.ExportBlobChunk(info, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := binary.BigEndian.Uint32(chunk0[1:5]); chunk0[0] != sealVersionClinicalChunk || e != 2 {
		t.Fatalf("a document filed after the rotation is sealed to clinical document key epoch %d, want 2", e)
	}
	o := &clinicalOpener{keys: stolen}
	if _, err := o.openChunk(&hdr, 0, chunk0); !errors.As(err, new(*KeyError)) {
		t.Fatalf("the removed clinician's key opens a document filed after: %v", err)
	}

	signIn(t, a, "doc")
	if got := readBlob(t, a, blobBefore); !bytes.Equal(got, before) {
		t.Fatal("the clinician reads other content filed before the rotation")
	}
	if got := readBlob(t, a, blobAfter); !bytes.Equal(got, after) {
		t.Fatal("the clinician reads other content filed after the rotation")
	}
}
