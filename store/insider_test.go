package store

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The insider: someone with a front desk user's password and this package
// (a program of their own, which may call the store's internals or
// re-implement them: it holds every key the password reaches). These tests
// show what that reaches and what it does not, on the workstation itself,
// on another workstation after sync, and for verify. The record types are
// set up as chart sets them up (an allergy in the clinical compartment,
// visits which coders may write for their codes, break-glass grants signed
// by the administration key).

var insiderRules = TypeRules{
	"allergy":    {Compartment: CompartmentClinical, Writers: []Role{RoleClinician, RoleHIM}},
	"visit":      {Compartment: CompartmentClinical, Writers: []Role{RoleClinician, RoleCoder, RoleHIM}},
	"breakglass": {Signed: SignedByAdmin},
	"patient":    {},
}

const insiderMarker = "Zqxinsider-penicillin"

type insiderPractice struct {
	a, b              *Store // two workstations of the practice
	deskID, allergyID string
	mark              uint64 // a's change feed relayed to b
}

func newInsiderPractice(t *testing.T) *insiderPractice {
	t.Helper()
	opts := []Option{WithMergeRules(testRules), WithTypeRules(insiderRules)}
	a, _ := newPractice(t, opts...)
	ip := &insiderPractice{a: a}
	for _, nu := range []NewUser{
		{Username: "desk", Name: "Test Desk", Role: RoleFrontDesk, Password: []byte(userPass)},
		{Username: "doc", Name: "Test Doc", Role: RoleClinician, Password: []byte(userPass)},
		{Username: "coder", Name: "Test Coder", Role: RoleCoder, Password: []byte(userPass)},
	} {
		u, err := a.AddUser(nu)
		if err != nil {
			t.Fatal(err)
		}
		if nu.Role == RoleFrontDesk {
			ip.deskID = u.ID
		}
	}
	signIn(t, a, "doc")
	pt, err := a.Put("patient", "", "", []byte(`{"family":"Testinsider"}`))
	if err != nil {
		t.Fatal(err)
	}
	al, err := a.Put("allergy", pt.ID+".a1", "", []byte(`{"substance":"`+insiderMarker+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	ip.allergyID = al.ID
	signIn(t, a, "admin")

	key := randomBytes(EnrollmentKeySize)
	sealed, err := a.SealEnrollment(key, "second workstation")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Join(filepath.Join(t.TempDir(), "b"), JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ip.b = b
	ip.mark = relay(t, a, b, 0)
	signIn(t, b, "admin")
	return ip
}

func signIn(t *testing.T, s *Store, username string) {
	t.Helper()
	s.Lock()
	pw := userPass
	if username == "admin" {
		pw = adminPass
	}
	if err := s.Unlock(username, []byte(pw)); err != nil {
		t.Fatalf("%s signs in: %v", username, err)
	}
}

// forge writes a revision of record id with the keys of the signed-in
// session as a modified program would: sealed under the general key,
// without the checks of Put, signed by sign when it is set.
func forge(t *testing.T, s *Store, typ, id string, body []byte, sign func(id string, env *envelope, p *payload)) {
	t.Helper()
	err := s.Update(func(tx *Tx) error {
		env := envelope{Type: typ, Gen: 1, Device: s.DeviceID()}
		if hv := tx.btx.Bucket(bucketRevs).Get(headKey(id)); hv != nil {
			ls, err := decodeLeaves(hv)
			if err != nil {
				return err
			}
			env.Parents = []Rev{ls[0].Rev}
			env.Gen = ls[0].Rev.Gen + 1
		} else if err := tx.btx.Bucket(bucketTypes).Put(typeKey(typ, id), nil); err != nil {
			return err
		}
		p := payload{Body: body, HLC: tx.s.clock.next(), Author: tx.sess.user.ID}
		if sign != nil {
			sign(id, &env, &p)
		}
		env.Sealed = tx.sess.key.seal(nil, p.encode(), revAD(id, &env))
		enc := env.encode()
		rev := revFor(id, enc, env.Gen)
		if err := tx.btx.Bucket(bucketRevs).Put(revKey(id, rev), enc); err != nil {
			return err
		}
		if err := tx.writeHeads(id, []leaf{{Rev: rev, HLC: p.HLC}}); err != nil {
			return err
		}
		return tx.appendChange(id, rev, p.HLC, false)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// relayEach imports a's new local changes into b one by one and returns
// the errors of those refused.
func (ip *insiderPractice) relayEach(t *testing.T) []error {
	t.Helper()
	var ws []WireRev
	if err := ip.a.View(func(tx *Tx) error {
		chs, err := tx.Changes(ip.mark, 1<<30)
		for _, ch := range chs {
			ip.mark = ch.Seq
			w, err := tx.ExportRev(ch.RecordID, ch.Rev)
			if err != nil {
				return err
			}
			ws = append(ws, w)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var errs []error
	for _, w := range ws {
		if err := ip.b.Update(func(tx *Tx) error { _, err := tx.ImportRev(w); return err }); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func verifyProblems(t *testing.T, s *Store) string {
	t.Helper()
	rep, err := s.Verify()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(rep.Problems, "\n")
}

// A front desk user's keys do not open clinical records, whatever the
// program does with the store.
func TestInsiderFrontDeskCannotReadClinical(t *testing.T) {
	ip := newInsiderPractice(t)
	signIn(t, ip.a, "desk")
	if _, err := ip.a.Get(ip.allergyID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk read the allergy: %v", err)
	}
	if _, err := ip.a.History(ip.allergyID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk read the allergy's history: %v", err)
	}
	if err := ip.a.List("allergy", func(Record) error { return nil }); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk listed allergies: %v", err)
	}
	// Every record the change feed names: what opens holds no clinical text.
	err := ip.a.View(func(tx *Tx) error {
		chs, err := tx.Changes(0, 1<<30)
		for _, ch := range chs {
			r, err := tx.GetRev(ch.RecordID, ch.Rev)
			if errors.Is(err, ErrNoKey) {
				continue
			}
			if err != nil {
				return err
			}
			if bytes.Contains(r.Body, []byte(insiderMarker)) {
				t.Errorf("front desk read %s %s", r.Type, r.ID)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The keys the password reaches: the slot holds the general key only,
	// and the user record grants nothing more.
	ip.a.mu.RLock()
	sess := ip.a.sess
	if sess.clinical != nil || sess.admin != nil {
		t.Error("the front desk session holds the clinical or administration key")
	}
	if _, err := sess.key.open(nil, clinicalSealOf(t, ip.a, ip.allergyID), nil); err == nil {
		t.Error("the general key opens a clinical value")
	}
	ip.a.mu.RUnlock()
	// Verify still checks what it cannot open, and says so.
	rep, err := ip.a.Verify()
	if err != nil || !rep.OK() || rep.NotOpened == 0 {
		t.Fatalf("verify as front desk: %v %+v", err, rep)
	}
	// A clinician on the other workstation reads it.
	signIn(t, ip.b, "doc")
	if r, err := ip.b.Get(ip.allergyID); err != nil || !bytes.Contains(r.Body, []byte(insiderMarker)) {
		t.Fatalf("clinician on b: %v", err)
	}
}

func clinicalSealOf(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	var sealed []byte
	err := s.View(func(tx *Tx) error {
		ls, err := decodeLeaves(tx.btx.Bucket(bucketRevs).Get(headKey(id)))
		if err != nil {
			return err
		}
		env, err := decodeEnvelope(tx.btx.Bucket(bucketRevs).Get(revKey(id, ls[0].Rev)))
		sealed = env.Sealed
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := sealedCompartment(sealed); c != CompartmentClinical {
		t.Fatalf("the allergy is sealed in the %s compartment", c)
	}
	return sealed
}

// Front desk cannot make itself HIM manager: the store refuses, a forged
// record is refused at its next sign-in, by the other workstation's import
// and by verify.
func TestInsiderFrontDeskCannotBecomeHIM(t *testing.T) {
	for i, how := range []string{"unsigned", "signed with the user's own key", "signed with a key of its own"} {
		ip := newInsiderPractice(t)
		signIn(t, ip.a, "desk")
		if err := ip.a.SetRole("desk", RoleHIM); !errors.Is(err, ErrPermission) {
			t.Fatalf("SetRole: %v", err)
		}
		// Nor take over the HIM manager's keyslot.
		slot, err := ip.a.Get(slotRecordID(slotIDFor(ip.a.secret(), "admin")))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ip.a.Put(TypeKeyslot, slot.ID, slot.Rev, []byte(`{"kind":"disabled","epoch":0,"wrapped":null}`)); !errors.Is(err, ErrPermission) {
			t.Fatalf("Put of the HIM manager's keyslot: %v", err)
		}
		me, err := ip.a.Get(ip.deskID)
		if err != nil {
			t.Fatal(err)
		}
		var ub userBody
		if err := json.Unmarshal(me.Body, &ub); err != nil {
			t.Fatal(err)
		}
		ub.Role = RoleHIM
		him, _ := json.Marshal(ub)
		if _, err := ip.a.Put(TypeUser, ip.deskID, me.Rev, him); !errors.Is(err, ErrPermission) {
			t.Fatalf("Put of a user record: %v", err)
		}
		// A program that writes the revision itself.
		ownKey := ip.a.sess.own.sign
		_, stranger, _ := ed25519.GenerateKey(nil)
		sign := []func(string, *envelope, *payload){
			nil,
			func(id string, env *envelope, p *payload) {
				p.Signer, p.Sig = signerAuthor, ed25519.Sign(ownKey, sigMessage(id, env, p))
			},
			func(id string, env *envelope, p *payload) {
				p.Signer, p.Sig = signerAdmin, ed25519.Sign(stranger, sigMessage(id, env, p))
			},
		}[i]
		forge(t, ip.a, TypeUser, ip.deskID, him, sign)
		ip.a.Lock()
		if err := ip.a.Unlock("desk", []byte(userPass)); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: sign-in with the forged role: %v", how, err)
		}
		signIn(t, ip.a, "admin")
		if p := verifyProblems(t, ip.a); !strings.Contains(p, "user record "+ip.deskID) {
			t.Errorf("%s: verify did not report the forged user record: %q", how, p)
		}
		errs := ip.relayEach(t)
		if len(errs) != 1 || !errors.Is(errs[0], ErrTampered) {
			t.Errorf("%s: the other workstation's import: %v", how, errs)
		}
		users, err := ip.b.Users()
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.Username == "desk" && u.Role != RoleFrontDesk {
				t.Errorf("%s: desk is %s on the other workstation", how, u.Role)
			}
		}
	}
}

// A break-glass grant needs the administration key: a front desk user
// cannot write one, and one written behind the store's back is refused by
// the other workstation and reported by verify.
func TestInsiderFrontDeskCannotForgeBreakGlass(t *testing.T) {
	ip := newInsiderPractice(t)
	signIn(t, ip.a, "desk")
	grant := []byte(`{"user":"` + ip.deskID + `","username":"desk","patient":"p","reason":"forged","at":"2026-01-01T00:00:00Z","until":"2036-01-01T00:00:00Z"}`)
	if _, err := ip.a.Put("breakglass", "", "", grant); !errors.Is(err, ErrPermission) {
		t.Fatalf("Put of a grant: %v", err)
	}
	ownKey := ip.a.sess.own.sign
	id := NewID()
	forge(t, ip.a, "breakglass", id, grant, func(id string, env *envelope, p *payload) {
		p.Signer, p.Sig = signerAuthor, ed25519.Sign(ownKey, sigMessage(id, env, p))
	})
	err := ip.a.View(func(tx *Tx) error {
		r, err := tx.Get(id)
		if err != nil {
			return err
		}
		if tx.CheckSigned(r) == nil {
			t.Error("the forged grant passes CheckSigned")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, ip.a, "admin")
	if p := verifyProblems(t, ip.a); !strings.Contains(p, "breakglass record "+id) {
		t.Errorf("verify did not report the forged grant: %q", p)
	}
	if errs := ip.relayEach(t); len(errs) != 1 || !errors.Is(errs[0], ErrTampered) {
		t.Errorf("the other workstation's import: %v", errs)
	}
	if _, err := ip.b.Get(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("the forged grant is on the other workstation: %v", err)
	}
	// An HIM manager's grant is signed and accepted.
	if _, err := ip.a.Put("breakglass", "", "", grant); err != nil {
		t.Fatal(err)
	}
	if errs := ip.relayEach(t); len(errs) != 0 {
		t.Fatalf("a signed grant refused: %v", errs)
	}
}

// A coder holds the clinical key to read, but the store writes no clinical
// record but visits (their codes) for them, and no role change.
func TestInsiderCoderCannotWriteClinicalOrRoles(t *testing.T) {
	ip := newInsiderPractice(t)
	signIn(t, ip.a, "coder")
	r, err := ip.a.Get(ip.allergyID)
	if err != nil {
		t.Fatalf("coder reads the allergy: %v", err)
	}
	if _, err := ip.a.Put("allergy", ip.allergyID, r.Rev, []byte(`{"substance":"none"}`)); !errors.Is(err, ErrPermission) {
		t.Fatalf("coder changed an allergy: %v", err)
	}
	if _, err := ip.a.Put("allergy", "", "", []byte(`{"substance":"new"}`)); !errors.Is(err, ErrPermission) {
		t.Fatalf("coder wrote an allergy: %v", err)
	}
	if _, err := ip.a.Put("visit", "", "", []byte(`{"codes":["I10"]}`)); err != nil {
		t.Fatalf("coder wrote a visit: %v", err)
	}
	for _, role := range []Role{RoleHIM, RoleClinician} {
		if err := ip.a.SetRole("coder", role); !errors.Is(err, ErrPermission) {
			t.Fatalf("coder made themselves %s: %v", role, err)
		}
	}
	if _, err := ip.a.SignAdmin("device.revoke", []byte("x")); !errors.Is(err, ErrPermission) {
		t.Fatalf("coder signed as the administration: %v", err)
	}
}

// Changing a role seals the keys of the new role to the user at once, and
// takes them out of their record when the role no longer has them.
func TestRoleChangeRegrantsKeys(t *testing.T) {
	ip := newInsiderPractice(t)
	if err := ip.a.SetRole("desk", RoleClinician); err != nil {
		t.Fatal(err)
	}
	ip.relayEach(t)
	signIn(t, ip.b, "desk") // on the other workstation, after sync
	if _, err := ip.b.Get(ip.allergyID); err != nil {
		t.Fatalf("desk as clinician: %v", err)
	}
	signIn(t, ip.a, "admin")
	if err := ip.a.SetRole("desk", RoleFrontDesk); err != nil {
		t.Fatal(err)
	}
	signIn(t, ip.a, "desk")
	if _, err := ip.a.Get(ip.allergyID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("desk back at the front desk: %v", err)
	}
	// The administration signing API is for HIM managers.
	signIn(t, ip.a, "admin")
	sig, err := ip.a.SignAdmin("device.revoke", []byte("device 1"))
	if err != nil {
		t.Fatal(err)
	}
	pub := ip.a.AdminPublicKey()
	if !VerifyAdmin(pub, "device.revoke", []byte("device 1"), sig) || VerifyAdmin(pub, "device.enroll", []byte("device 1"), sig) {
		t.Error("administration signature")
	}
	if !bytes.Equal(pub, ip.b.AdminPublicKey()) {
		t.Error("the workstations disagree on the administration key")
	}
}

// The audit log: every role appends, sealing each entry to the practice's
// audit key; only HIM managers open it. The chain still checks for anyone.
func TestInsiderFrontDeskCannotReadAudit(t *testing.T) {
	ip := newInsiderPractice(t)
	signIn(t, ip.a, "desk")
	if err := ip.a.Audit(AuditEvent{Action: "patient.view", Subject: "p-insider"}); err != nil {
		t.Fatal(err)
	}
	if err := ip.a.AuditLog(1, func(AuditEvent) error { return nil }); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk read the audit log: %v", err)
	}
	if err := ip.a.AuditLogAll(func(AuditEvent) error { return nil }); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk read every workstation's audit log: %v", err)
	}
	rep, err := ip.a.Verify()
	if err != nil || !rep.OK() || rep.AuditEntries == 0 {
		t.Fatalf("verify as front desk: %v %+v", err, rep)
	}
	// Every entry since the practice was made is sealed to the audit key.
	err = ip.a.View(func(tx *Tx) error {
		return tx.btx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			if len(v) <= auditHashSize || v[auditHashSize] != sealVersionTo {
				t.Errorf("audit entry %x is not sealed to the audit key", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, ip.a, "admin")
	found := false
	if err := ip.a.AuditLog(1, func(ev AuditEvent) error {
		found = found || ev.Username == "desk" && ev.Subject == "p-insider"
		return nil
	}); err != nil || !found {
		t.Fatalf("the HIM manager reads the log: %v, desk's entry found: %v", err, found)
	}
}

// Clinical documents. A document's record (type "document", general, as
// chart has it) keeps in clear what front desk files and routes by; a
// filed clinical document's title and note are sealed to the clinical
// document key and its content is a blob sealed to it too. The inbox
// holds a scan under the general key until it is filed.

const (
	insiderDocMarker  = "Zqxinsider-biopsy-pages"
	insiderNoteMarker = "Zqxinsider-note-malignant"
)

// fileClinicalDoc plays chart's filing as the signed-in user of s: a scan
// taken into the inbox (general key), then filed into a clinical category:
// its content sealed anew to the clinical document key, its title and note
// sealed too, the inbox record ended and the general-key copy dropped.
// It returns the filed record's ID and its blob.
func fileClinicalDoc(t *testing.T, s *Store, content []byte) (docID, blobID string) {
	t.Helper()
	inboxBlob, err := s.PutBlob(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Put("document", "", "", []byte(`{"blob":"`+inboxBlob.ID+`","contentType":"application/pdf"}`))
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.OpenBlob(inboxBlob.ID)
	if err != nil {
		t.Fatalf("the front desk reads the inbox scan: %v", err)
	}
	sealed, err := s.PutClinicalBlob(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	docID = "p-insider." + NewID()
	err = s.Update(func(tx *Tx) error {
		meta, err := tx.SealClinical([]byte(`{"title":"Pathology","note":"`+insiderNoteMarker+`"}`), "document "+docID)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"blob": sealed.ID, "category": "lab", "pages": 20, "sealed": meta})
		if _, err := tx.Put("document", docID, "", body); err != nil {
			return err
		}
		_, err = tx.Delete(inbox.ID, inbox.Rev, "filed as "+docID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DropBlob(inboxBlob.ID); err != nil {
		t.Fatal(err)
	}
	return docID, sealed.ID
}

// relayBlob sends one blob from a to b as sync does.
func relayBlob(t *testing.T, a, b *Store, id string) error {
	t.Helper()
	h, chunks := exportBlob(t, a, id)
	bi, err := b.ImportBlob(id, h)
	if err != nil {
		return err
	}
	for i, c := range chunks {
		if err := bi.PutChunk(uint32(i), c); err != nil {
			return err
		}
	}
	return bi.Commit()
}

// Front desk files a clinical scan from the inbox and cannot read it
// afterwards, whatever its program calls with its password and this
// package: no value its keys open holds the document's pages or note, and
// the keys it holds do not open the sealed ones. A clinician reads it, on
// this workstation and on another after sync; front desk there does not.
func TestInsiderFrontDeskCannotReadClinicalDocuments(t *testing.T) {
	ip := newInsiderPractice(t)
	content := bytes.Repeat([]byte(insiderDocMarker+" "), 3*BlobChunkSize/len(insiderDocMarker)) // several chunks
	signIn(t, ip.a, "desk")
	if !ip.a.SealsClinical() {
		t.Fatal("a new practice has no clinical document key")
	}
	docID, blobID := fileClinicalDoc(t, ip.a, content)

	// The front desk still sees that the document exists and what routes it.
	r, err := ip.a.Get(docID)
	if err != nil || !bytes.Contains(r.Body, []byte(`"category":"lab"`)) {
		t.Fatalf("front desk reads the document's record: %v %s", err, r.Body)
	}
	info, err := ip.a.BlobInfo(blobID)
	if err != nil || !info.Clinical || info.Size != int64(len(content)) {
		t.Fatalf("front desk reads the blob's header: %v %+v", err, info)
	}
	// The calls that read content or sealed metadata refuse.
	if _, _, err := ip.a.OpenBlob(blobID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk opened the clinical content: %v", err)
	}
	if _, err := ip.a.readChunk(info, 0); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk read a chunk: %v", err)
	}
	var sealedMeta []byte
	if err := ip.a.View(func(tx *Tx) error {
		var b struct {
			Sealed []byte `json:"sealed"`
		}
		if err := json.Unmarshal(r.Body, &b); err != nil {
			return err
		}
		sealedMeta = b.Sealed
		_, err := tx.OpenClinical(b.Sealed, "document "+docID)
		if !errors.Is(err, ErrNoKey) {
			t.Errorf("front desk opened the sealed metadata: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The keys the session holds, tried directly on the sealed values: the
	// general key (as such, and as if it were the clinical key), the user's
	// own X25519 key, and the clinical document public key itself.
	chunk0, err := ip.a.ExportBlobChunk(info, 0)
	if err != nil {
		t.Fatalf("front desk exports the sealed chunk for sync: %v", err)
	}
	ip.a.mu.RLock()
	sess := ip.a.sess
	if sess.clinical != nil {
		t.Error("the front desk session holds the clinical key")
	}
	var hdr blobHeader
	if err := ip.a.View(func(tx *Tx) (err error) { hdr, err = tx.blobHeader(blobID); return err }); err != nil {
		t.Fatal(err)
	}
	if !isClinicalSealed(sealedMeta) || chunk0[0] != sealVersionClinicalChunk {
		t.Fatal("the metadata or the chunk is not sealed to the clinical document key")
	}
	if _, err := sess.key.open(nil, sealedMeta, nil); err == nil {
		t.Error("the general key opens the metadata")
	}
	if _, err := sess.key.open(nil, chunk0, blobChunkAD(blobID, 0, false)); err == nil {
		t.Error("the general key opens the chunk")
	}
	asClinical, _ := newCompartmentKey(CompartmentClinical, 1, bytes.Clone(sess.key.key[:]))
	generalAsClinical, err := clinicalBoxKey(asClinical)
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]*ecdh.PrivateKey{"the general key taken for the clinical key": generalAsClinical, "the user's own key": sess.own.box} {
		o := &clinicalOpener{priv: k, epoch: 1}
		if _, err := o.openChunk(&hdr, 0, chunk0); err == nil {
			t.Errorf("%s opens the chunk", name)
		}
		if _, err := o.open(sealedMeta, clinicalValueAD("document "+docID)); err == nil {
			t.Errorf("%s opens the metadata", name)
		}
	}
	ip.a.mu.RUnlock()
	// Every value the front desk's keys open — every revision the change
	// feed names and all its history, every blob it can read — holds
	// neither the pages nor the note; nor does the file in clear.
	frontDeskReadsNothing(t, ip.a)
	// Verify checks the sealed chunks against their sums without opening.
	if rep, err := ip.a.Verify(); err != nil || !rep.OK() || rep.NotOpened == 0 {
		t.Fatalf("verify as front desk: %v %+v", err, rep)
	}

	// A clinician on this workstation reads it.
	signIn(t, ip.a, "doc")
	if got := readBlob(t, ip.a, blobID); !bytes.Equal(got, content) {
		t.Fatal("the clinician reads other content")
	}
	if err := ip.a.View(func(tx *Tx) error {
		pt, err := tx.OpenClinical(sealedMeta, "document "+docID)
		if err != nil || !bytes.Contains(pt, []byte(insiderNoteMarker)) {
			t.Errorf("the clinician opens the note: %v %s", err, pt)
		}
		if _, err := tx.OpenClinical(sealedMeta, "document p-insider.other"); !errors.Is(err, ErrTampered) {
			t.Errorf("the note opens for another document: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Sync: the records and the blob travel to the other workstation, where
	// the front desk imports and checks the sealed chunks without the key
	// (and sends them on), and a clinician opens them.
	signIn(t, ip.b, "desk")
	if errs := ip.relayEach(t); len(errs) != 0 {
		t.Fatal(errs)
	}
	// A chunk changed on the way, or put in another place, is refused
	// without the key, against the header's sums.
	h, chunks := exportBlob(t, ip.a, blobID)
	bi, err := ip.b.ImportBlob(blobID, h)
	if err != nil {
		t.Fatal(err)
	}
	for what, bad := range map[string][]byte{"a changed chunk": flip(chunks[1]), "a chunk in another place": chunks[2]} {
		bi, err := ip.b.ImportBlob(blobID, h)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range chunks {
			if i == 1 {
				c = bad
			}
			if err := bi.PutChunk(uint32(i), c); err != nil && !errors.Is(err, ErrTampered) {
				t.Fatal(err)
			}
		}
		if err := bi.Commit(); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: %v", what, err)
		}
		bi.Abort()
		if ok, _ := ip.b.HasBlob(blobID); ok {
			t.Fatalf("%s: the blob is visible", what)
		}
	}
	if err := bi.PutChunk(1, chunks[1][:10]); !errors.Is(err, ErrTampered) {
		t.Errorf("a chunk cut short: %v", err)
	}
	bi.Abort()
	if err := relayBlob(t, ip.a, ip.b, blobID); err != nil {
		t.Fatalf("front desk's workstation imports the clinical blob: %v", err)
	}
	if _, _, err := ip.b.OpenBlob(blobID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk on b opened the clinical content: %v", err)
	}
	frontDeskReadsNothing(t, ip.b)
	signIn(t, ip.b, "doc")
	if got := readBlob(t, ip.b, blobID); !bytes.Equal(got, content) {
		t.Fatal("the clinician on b reads other content")
	}
}

// frontDeskReadsNothing opens every value of s that the signed-in front
// desk user's keys open and fails if one holds the clinical document's
// pages or note; it also searches the store file in clear.
func frontDeskReadsNothing(t *testing.T, s *Store) {
	t.Helper()
	markers := [][]byte{[]byte(insiderDocMarker), []byte(insiderNoteMarker)}
	err := s.View(func(tx *Tx) error {
		chs, err := tx.Changes(0, 1<<30)
		if err != nil {
			return err
		}
		for _, ch := range chs {
			hist, err := tx.History(ch.RecordID)
			if errors.Is(err, ErrNoKey) {
				continue
			}
			if err != nil {
				return err
			}
			for _, r := range hist {
				for _, m := range markers {
					if bytes.Contains(r.Body, m) {
						t.Errorf("front desk reads %q in %s %s", m, r.Type, r.ID)
					}
				}
			}
		}
		return tx.btx.Bucket(bucketBlobs).ForEach(func(k, _ []byte) error {
			i := bytes.IndexByte(k, 0)
			if i <= 0 || k[i+1] != 'h' {
				return nil
			}
			h, err := tx.blobHeader(string(k[:i]))
			if err != nil {
				return err
			}
			for c := uint32(0); c < h.Chunks; c++ {
				var op *clinicalOpener
				pt, err := tx.openChunk(&h, c, tx.btx.Bucket(bucketBlobs).Get(blobChunkKey(h.ID, c)), &op)
				if errors.Is(err, ErrNoKey) {
					continue
				}
				if err != nil {
					return err
				}
				if bytes.Contains(pt, markers[0][:12]) {
					t.Errorf("front desk reads the pages in blob %s", h.ID)
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	path := s.db.Path()
	s.mu.RUnlock()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range markers {
		if bytes.Contains(raw, m[:12]) {
			t.Errorf("the store file holds %q in clear", m[:12])
		}
	}
}

func readBlob(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	rc, _, err := s.OpenBlob(id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
