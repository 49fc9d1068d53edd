package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// Documents (administrative documents and inbox scans) filed after a
// rotation of the general key are sealed under its new epoch: their
// chunks, and the content hash in their header.

const (
	blobAdminMarker = "Zqxblob-insurance-card-Ødegård"
	blobInboxMarker = "Zqxblob-inbox-referral-山田"
)

// fileAdminDoc files content as an administrative document (its blob and
// its record together, as chart does); inboxScan takes it into the inbox.
func fileAdminDoc(t *testing.T, s *Store, content []byte) (docID, blobID string) {
	t.Helper()
	info, err := s.PutBlobFrom(bytes.NewReader(content), func(tx *Tx, info BlobInfo) error {
		body, _ := json.Marshal(map[string]any{"blob": info.ID, "category": "insurance", "title": "Zqxblob-title-card"})
		r, err := tx.Put("document", "", "", body)
		docID = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return docID, info.ID
}

func inboxScan(t *testing.T, s *Store, content []byte) (docID, blobID string) {
	t.Helper()
	info, err := s.PutBlob(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Put("document", "", "", []byte(`{"blob":"`+info.ID+`","contentType":"application/pdf"}`))
	if err != nil {
		t.Fatal(err)
	}
	return r.ID, info.ID
}

// blobContent is content of several chunks holding marker.
func blobContent(marker string, chunks int) []byte {
	return bytes.Repeat([]byte(marker+" "), chunks*BlobChunkSize/(len(marker)+1)+7)
}

// rawBlob reads a blob's sealed header and chunks as stored.
func rawBlob(t *testing.T, s *Store, id string) (header []byte, chunks [][]byte) {
	t.Helper()
	err := s.View(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketBlobs)
		header = bytes.Clone(b.Get(blobHeaderKey(id)))
		for i := uint32(0); ; i++ {
			v := b.Get(blobChunkKey(id, i))
			if v == nil {
				return nil
			}
			chunks = append(chunks, bytes.Clone(v))
		}
	})
	if err != nil || header == nil {
		t.Fatalf("blob %s as stored: %v", id, err)
	}
	return header, chunks
}

// blobOpenedBy reports what of blob id's stored values the keys of sess
// open: the chunks' content, and the content hash of its header.
func blobOpenedBy(t *testing.T, s *Store, sess *session, id string, content []byte) (chunks int, sum bool) {
	t.Helper()
	header, raw := rawBlob(t, s, id)
	want := sha256.Sum256(content)
	for _, k := range []*dataKey{sess.key, sess.general} {
		if k == nil {
			continue
		}
		for i, v := range raw {
			if _, err := k.open(nil, v, blobChunkAD(id, uint32(i), i == len(raw)-1)); err == nil {
				chunks++
			}
		}
		pt, err := k.open(nil, header, blobHeaderAD(id))
		if err != nil {
			continue
		}
		var h blobHeader
		if json.Unmarshal(pt, &h) == nil && h.SHA256 == want {
			sum = true
		}
		for _, enc := range [][]byte{want[:], []byte(hex.EncodeToString(want[:])), []byte(base64.StdEncoding.EncodeToString(want[:]))} {
			if bytes.Contains(pt, enc) {
				sum = true
			}
		}
	}
	return chunks, sum
}

// A front desk user is disabled. Their keyslot, copied with the whole
// store file before, with their password and every grant their user
// record ever held, opens neither the content nor the content hash of an
// administrative document or an inbox scan filed after (by the HIM
// manager, by the other front desk user), in a later copy of the store
// file; nor their records. The copy still opens a document from before.
// The remaining users read every document, of both epochs.
func TestRotationBlobsFrontDeskDisabled(t *testing.T) {
	ip := newInsiderPractice(t)
	a := ip.a
	if _, err := a.AddUser(NewUser{Username: "desk2", Name: "Test Desktwo Ødegård", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "desk")
	beforeContent := blobContent("Zqxblob-before", 2)
	_, blobBefore := inboxScan(t, a, beforeContent)

	signIn(t, a, "admin")
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	stolen := copyFolder(t, a.Dir())
	oldSlot := rawSlot(t, stolen, slotIDFor(a.secret(), "desk2"))
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser("desk2"); err != nil {
		t.Fatal(err)
	}
	adminContent := blobContent(blobAdminMarker, 3)
	adminDoc, adminBlob := fileAdminDoc(t, a, adminContent)
	signIn(t, a, "desk")
	inboxContent := blobContent(blobInboxMarker, 2)
	inboxDoc, inboxBlob := inboxScan(t, a, inboxContent)
	small := []byte("Zqxblob-one-line")
	_, smallBlob := inboxScan(t, a, small)

	// The removed user's program on the store file as it is now.
	a.Lock()
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	th, err := Open(copyFolder(t, a.Dir()), WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	tsess := removedSession(t, th, oldSlot, "desk2", userPass)
	for _, d := range []struct {
		doc, blob string
		content   []byte
	}{{adminDoc, adminBlob, adminContent}, {inboxDoc, inboxBlob, inboxContent}, {"", smallBlob, small}} {
		if d.doc != "" {
			if r, err := th.Get(d.doc); !errors.Is(err, ErrNoKey) {
				t.Errorf("the removed front desk user's old keys open document %s filed after: %s %v", d.doc, r.Body, err)
			}
		}
		if info, err := th.BlobInfo(d.blob); !errors.Is(err, ErrNoKey) {
			t.Errorf("the removed front desk user's old keys open the header of blob %s filed after: %+v %v", d.blob, info, err)
		}
		if rc, _, err := th.OpenBlob(d.blob); !errors.Is(err, ErrNoKey) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("the removed front desk user's old keys open blob %s filed after: %v", d.blob, err)
		}
		chunks, sum := blobOpenedBy(t, th, tsess, d.blob, d.content)
		if chunks > 0 {
			t.Errorf("the removed front desk user's keys open %d chunks of blob %s filed after", chunks, d.blob)
		}
		if sum {
			t.Errorf("the removed front desk user's keys read the content hash of blob %s filed after", d.blob)
		}
	}
	if chunks, _ := blobOpenedBy(t, th, tsess, blobBefore, beforeContent); chunks == 0 {
		t.Error("the removed front desk user's keys do not open the document from before (the test's keys are wrong)")
	}
	if got := readBlob(t, th, blobBefore); !bytes.Equal(got, beforeContent) {
		t.Error("the copy's keys read another content from before")
	}

	// The remaining users read every document, here and after verify.
	for _, who := range []string{"desk", "admin", "doc"} {
		signIn(t, a, who)
		for id, want := range map[string][]byte{blobBefore: beforeContent, adminBlob: adminContent, inboxBlob: inboxContent, smallBlob: small} {
			if got := readBlob(t, a, id); !bytes.Equal(got, want) {
				t.Errorf("%s reads another content of blob %s", who, id)
			}
		}
		if p := verifyProblems(t, a); p != "" {
			t.Errorf("verify as %s:\n%s", who, p)
		}
	}
}

// A workstation is revoked (its folder walked off with): the keys its
// folder holds, opened with a front desk user's password there, do not
// open a document filed after the revocation that reaches the folder as
// the sync server holds it; the folder's store imports it (its chunks
// checked against the header's root) and still cannot read it.
func TestRotationBlobsRevokedDevice(t *testing.T) {
	ip := newInsiderPractice(t)
	a, b := ip.a, ip.b
	signIn(t, b, "desk")
	b = reopen(t, b, WithMergeRules(testRules), WithTypeRules(insiderRules))
	folder := copyFolder(t, b.Dir())
	if _, err := a.RotateKeys("device.revoke: " + b.DeviceID()); err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "desk")
	content := blobContent(blobInboxMarker, 2)
	_, id := inboxScan(t, a, content)

	th, err := Open(folder, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	if err := th.Unlock("desk", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	if err := relayBlob(t, a, th, id); err != nil {
		t.Fatalf("the revoked workstation's store imports the server's copy: %v", err)
	}
	if info, err := th.BlobInfo(id); !errors.Is(err, ErrNoKey) {
		t.Errorf("the revoked workstation's keys open the header of a document filed after: %+v %v", info, err)
	}
	if _, _, err := th.OpenBlob(id); !errors.Is(err, ErrNoKey) {
		t.Errorf("the revoked workstation's keys open a document filed after: %v", err)
	}
	th.mu.RLock()
	sess := th.sess
	th.mu.RUnlock()
	if chunks, sum := blobOpenedBy(t, th, sess, id, content); chunks > 0 || sum {
		t.Errorf("the revoked workstation's keys open %d chunks (content hash: %v) of a document filed after", chunks, sum)
	}
}

// A workstation whose session does not hold the new epoch yet (the grant
// that carries it has not arrived) imports a document filed after the
// rotation, its chunks checked against the header's root (a changed,
// swapped or foreign chunk is refused), cannot read it, and sends it on
// as stored to a workstation that reads it; once the grant arrives it
// reads it too. Content stored before the rotation stays readable; the
// same content stored again after is sealed anew under the new epoch.
func TestRotationBlobsReplicaWithoutEpoch(t *testing.T) {
	ip := newInsiderPractice(t)
	a, b := ip.a, ip.b
	if _, err := a.AddUser(NewUser{Username: "desk2", Name: "Test Desktwo Ødegård", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	old := blobContent("Zqxblob-old", 1)
	oldInfo, err := a.PutBlob(bytes.NewReader(old))
	if err != nil || oldInfo.Epoch != 0 {
		t.Fatalf("a blob before any rotation: %+v %v", oldInfo, err)
	}
	ip.mark = relay(t, a, b, ip.mark)
	if err := relayBlob(t, a, b, oldInfo.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser("desk2"); err != nil {
		t.Fatal(err)
	}
	content := blobContent(blobAdminMarker, 3)
	_, id := fileAdminDoc(t, a, content)
	info, err := a.BlobInfo(id)
	if err != nil || info.Epoch != 2 || info.SHA256 != sha256.Sum256(content) {
		t.Fatalf("a document filed after the rotation: %+v %v", info, err)
	}

	// b's session predates the rotation and the grant has not arrived.
	header, chunks := exportBlob(t, a, id)
	refused := func(what string, chunks [][]byte) {
		t.Helper()
		bi, err := b.ImportBlob(id, header)
		if err != nil {
			t.Fatal(err)
		}
		defer bi.Abort()
		for i, c := range chunks {
			if err = bi.PutChunk(uint32(i), c); err != nil {
				break
			}
		}
		if err == nil {
			err = bi.Commit()
		}
		if !errors.Is(err, ErrTampered) {
			t.Errorf("b imports the document with %s: %v", what, err)
		}
	}
	flipped := slices.Clone(chunks)
	flipped[1] = bytes.Clone(chunks[1])
	flipped[1][len(flipped[1])-1] ^= 1
	refused("a changed chunk", flipped)
	swapped := slices.Clone(chunks)
	swapped[0], swapped[1] = chunks[1], chunks[0]
	refused("two chunks swapped", swapped)
	foreign := slices.Clone(chunks)
	foreign[0] = b.sessKey(t).seal(nil, make([]byte, BlobChunkSize), blobChunkAD(id, 0, false))
	refused("a chunk sealed under the slot's key", foreign)
	if err := relayBlob(t, a, b, id); err != nil {
		t.Fatalf("b imports the document: %v", err)
	}
	if _, err := b.BlobInfo(id); !errors.Is(err, ErrNoKey) {
		t.Errorf("b's session without the new epoch reads the header: %v", err)
	}
	if _, _, err := b.OpenBlob(id); !errors.Is(err, ErrNoKey) {
		t.Errorf("b's session without the new epoch opens the document: %v", err)
	}
	if got := readBlob(t, b, oldInfo.ID); !bytes.Equal(got, old) {
		t.Error("b reads another content from before")
	}
	if rep, err := b.Verify(); err != nil || !rep.OK() || rep.NotOpened == 0 {
		t.Errorf("verify on b without the epoch: %+v %v", rep, err)
	}

	// b sends it on, as stored, to a workstation that holds the epoch.
	key := randomBytes(EnrollmentKeySize)
	sealed, err := a.SealEnrollment(key, "third workstation")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Join(filepath.Join(t.TempDir(), "c"), JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed}, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	relay(t, a, c, 0)
	signIn(t, c, "desk")
	if err := relayBlob(t, b, c, id); err != nil {
		t.Fatalf("c imports the document from b: %v", err)
	}
	if got := readBlob(t, c, id); !bytes.Equal(got, content) {
		t.Error("c reads another content than was filed")
	}

	// The grant arrives: b's session takes the epoch and reads it.
	relay(t, a, b, ip.mark)
	if got := readBlob(t, b, id); !bytes.Equal(got, content) {
		t.Error("b reads another content once it holds the epoch")
	}
	for _, s := range []*Store{b, c} {
		if p := verifyProblems(t, s); p != "" {
			t.Errorf("verify on %s:\n%s", s.Dir(), p)
		}
	}

	// The same content as before, stored again after the rotation: a new
	// blob under the new epoch, then found and not stored a third time.
	again, err := a.PutBlob(bytes.NewReader(old))
	if err != nil || again.Existing || again.Epoch != 2 || again.ID == oldInfo.ID {
		t.Fatalf("content from before stored again after the rotation: %+v %v", again, err)
	}
	third, err := a.PutBlob(bytes.NewReader(old))
	if err != nil || !third.Existing || third.ID != again.ID {
		t.Fatalf("the same content a third time: %+v %v", third, err)
	}
	if found, ok, err := a.FindBlob(sha256.Sum256(old)); err != nil || !ok || found != again.ID {
		t.Errorf("FindBlob after the rotation: %s %v %v", found, ok, err)
	}
	if found, ok, err := b.FindBlob(sha256.Sum256(old)); err != nil || !ok || found != oldInfo.ID {
		t.Errorf("FindBlob of content stored before the rotation: %s %v %v", found, ok, err)
	}
	if p := verifyProblems(t, a); p != "" {
		t.Errorf("verify on a:\n%s", p)
	}
}

// sessKey is the signed-in session's slot key.
func (s *Store) sessKey(t *testing.T) *dataKey {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		t.Fatal("locked")
	}
	return s.sess.key
}
