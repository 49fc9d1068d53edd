package chart

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// workstation is one replica of a test practice: its own store (a restored
// backup of the first, so a device of its own) and its own service.
type workstation struct {
	st  *store.Store
	svc *Service
}

// replicas returns p's store as the first workstation and n-1 more.
func (p *practice) replicas(n int) []*workstation {
	p.t.Helper()
	p.as(store.RoleHIM)
	ws := []*workstation{{st: p.st, svc: p.svc}}
	file := filepath.Join(p.t.TempDir(), "backup")
	if _, err := p.st.BackupFile(file); err != nil {
		p.t.Fatal(err)
	}
	for range n - 1 {
		dir := filepath.Join(p.t.TempDir(), "ws")
		if err := store.Restore(file, dir, store.RestoreOptions{SecretFrom: p.st.Dir()}); err != nil {
			p.t.Fatal(err)
		}
		st, err := OpenStore(dir, store.WithClock(p.clk.now))
		if err != nil {
			p.t.Fatal(err)
		}
		p.t.Cleanup(func() { st.Close() })
		if err := st.Unlock("admin", []byte(testpractice.Password)); err != nil {
			p.t.Fatal(err)
		}
		svc, err := Open(st, WithClock(p.clk.now))
		if err != nil {
			p.t.Fatal(err)
		}
		ws = append(ws, &workstation{st: st, svc: svc})
	}
	return ws
}

// as signs the user of role in on w.
func (w *workstation) as(t *testing.T, role store.Role) *Service {
	t.Helper()
	w.st.Lock()
	if err := w.st.Unlock(testpractice.Usernames[role], []byte(testpractice.Password)); err != nil {
		t.Fatal(err)
	}
	return w.svc
}

// syncAll brings every workstation every revision the others hold, in an
// order drawn from rng (parents first, as the server serves them), until
// nothing moves; merges that kept making merges would never settle.
func syncAll(t *testing.T, rng *rand.Rand, ws ...*workstation) {
	t.Helper()
	for round := 0; ; round++ {
		if round > 5 {
			t.Fatalf("still importing after %d rounds: merges do not settle", round)
		}
		moved := false
		for _, dst := range ws {
			var pending []store.WireRev
			for _, src := range ws {
				if src == dst {
					continue
				}
				cs, err := src.st.Changes(0, 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				err = src.st.View(func(stx *store.Tx) error {
					return dst.st.View(func(dtx *store.Tx) error {
						for _, c := range cs {
							if dtx.HasRev(c.RecordID, c.Rev) {
								continue
							}
							w, err := stx.ExportRev(c.RecordID, c.Rev)
							if err != nil {
								return err
							}
							pending = append(pending, w)
						}
						return nil
					})
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			rng.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
			for len(pending) > 0 {
				var later []store.WireRev
				for _, w := range pending {
					err := dst.st.Update(func(tx *store.Tx) error {
						r, err := tx.ImportRev(w)
						moved = moved || r.Inserted
						return err
					})
					switch {
					case errors.Is(err, store.ErrMissingParent):
						later = append(later, w)
					case err != nil:
						t.Fatal(err)
					}
				}
				if len(later) == len(pending) {
					t.Fatal("revisions whose parents never arrive")
				}
				pending = later
			}
		}
		if !moved {
			return
		}
	}
}

// revsOf lists every revision of record id on w, as "rev" strings.
func revsOf(t *testing.T, w *workstation, id string) []string {
	t.Helper()
	h, err := w.st.History(id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range h {
		out = append(out, r.Rev)
	}
	return out
}

// sameRecord fails unless every workstation shows record id alike, and
// returns it.
func sameRecord(t *testing.T, id string, ws ...*workstation) store.Record {
	t.Helper()
	for _, w := range ws {
		if !w.st.Holds(store.CompartmentClinical) {
			w.as(t, store.RoleHIM) // a role whose keys reach every record
		}
	}
	want, err := ws[0].st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range ws[1:] {
		got, err := w.st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rev != want.Rev || string(got.Body) != string(want.Body) || got.Deleted != want.Deleted || !slices.Equal(got.Conflicts, want.Conflicts) {
			t.Fatalf("workstation %d shows %s %s (conflicts %v), workstation 0 %s %s (conflicts %v)",
				i+1, got.Rev, got.Body, got.Conflicts, want.Rev, want.Body, want.Conflicts)
		}
	}
	return want
}

// noneLost fails unless every revision ever made is readable everywhere.
func noneLost(t *testing.T, id string, made []string, ws ...*workstation) {
	t.Helper()
	for i, w := range ws {
		have := revsOf(t, w, id)
		for _, r := range made {
			if !slices.Contains(have, r) {
				t.Fatalf("workstation %d lost revision %s of %s", i, r, id)
			}
			if err := w.st.View(func(tx *store.Tx) error { _, err := tx.GetRev(id, r); return err }); err != nil {
				t.Fatalf("workstation %d cannot read revision %s: %v", i, r, err)
			}
		}
	}
}

func queueIDs(t *testing.T, svc *Service) []string {
	t.Helper()
	q, err := svc.ConflictQueue()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range q {
		out = append(out, it.ID)
	}
	return out
}

// Edits of different fields on three workstations merge into one record,
// the same everywhere, with nothing to review.
func TestConflictDisjointEditsMerge(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Conflicttest", "Ana", "1980-02-03")
	ws := p.replicas(3)
	rng := rand.New(rand.NewPCG(3, 4))
	syncAll(t, rng, ws...)

	edit := func(w *workstation, role store.Role, change func(*Patient)) string {
		svc := w.as(t, role)
		cur, err := svc.Patient(pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		change(&cur)
		out, err := svc.UpdatePatient(cur)
		if err != nil {
			t.Fatal(err)
		}
		return out.Rev
	}
	made := []string{pt.Rev,
		edit(ws[0], store.RoleFrontDesk, func(p *Patient) { p.Phone = "+1 555 0199" }),
		edit(ws[1], store.RoleClinician, func(p *Patient) { p.Address.City = "Testville" }),
		edit(ws[2], store.RoleHIM, func(p *Patient) { p.Preferred = "Annie"; p.Address.Line = "1 Fake Road" }),
	}
	syncAll(t, rng, ws...)
	rec := sameRecord(t, pt.ID, ws...)
	if len(rec.Conflicts) != 0 || len(rec.Merged) != 2 {
		t.Fatalf("merged record: conflicts %v, merged %v", rec.Conflicts, rec.Merged)
	}
	var shown []Patient
	for _, w := range ws {
		got, err := w.as(t, store.RoleHIM).Patient(pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		shown = append(shown, got)
		if ids := queueIDs(t, w.svc); len(ids) != 0 {
			t.Fatalf("queue %v after a clean merge", ids)
		}
	}
	got := shown[0]
	if got.Phone != "+1 555 0199" || got.Address.City != "Testville" || got.Address.Line != "1 Fake Road" || got.Preferred != "Annie" || got.Given != "Ana" {
		t.Fatalf("merged patient %+v", got)
	}
	for _, s := range shown[1:] {
		if !reflect.DeepEqual(s, got) {
			t.Fatalf("workstations show %+v and %+v", got, s)
		}
	}
	// The finder sees the merge too.
	if found, _ := ws[1].svc.Find("Annie", 5); len(found) != 1 {
		t.Fatalf("finder after merge: %v", found)
	}
	// The next edit writes the merge: one revision on all three heads.
	made = append(made, edit(ws[1], store.RoleFrontDesk, func(p *Patient) { p.Language = "Quechua" }))
	syncAll(t, rng, ws...)
	rec = sameRecord(t, pt.ID, ws...)
	if len(rec.Parents) != 3 || len(rec.Merged) != 0 || rec.Rev != made[len(made)-1] {
		t.Fatalf("after an edit: parents %v merged %v", rec.Parents, rec.Merged)
	}
	if got, _ := ws[2].as(t, store.RoleHIM).Patient(pt.ID); got.Language != "Quechua" || got.Preferred != "Annie" || got.Phone != "+1 555 0199" {
		t.Fatalf("after an edit: %+v", got)
	}
	noneLost(t, pt.ID, made, ws...)
}

// Edits that collide keep both versions and the same winner everywhere,
// whatever order revisions arrive in; the record is on the queue of those
// who may resolve it; resolving on one workstation ends it everywhere.
func TestConflictCollisionReviewAndResolve(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Conflicttest", "Bea", "1975-06-07")
	ws := p.replicas(3)
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 11))
		doc := ws[0].as(t, store.RoleClinician)
		al := Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Latex", Severity: "mild", Status: "active"}
		if err := doc.Save(&al); err != nil {
			t.Fatal(err)
		}
		syncAll(t, rng, ws...)
		save := func(w *workstation, change func(*Allergy)) string {
			a := al
			change(&a)
			if err := w.as(t, store.RoleClinician).Save(&a); err != nil {
				t.Fatal(err)
			}
			return a.Rev
		}
		made := []string{al.Rev,
			save(ws[0], func(a *Allergy) { a.Severity = "severe" }),
			save(ws[1], func(a *Allergy) { a.Severity = "moderate"; a.Status = "inactive" }),
			save(ws[2], func(a *Allergy) { a.Reaction = "Hives" }), // merges with both
		}
		syncAll(t, rng, ws...)
		rec := sameRecord(t, al.ID, ws...)
		if len(rec.Conflicts) != 1 || !strings.Contains(string(rec.Body), "Hives") {
			t.Fatalf("seed %d: %s conflicts %v", seed, rec.Body, rec.Conflicts)
		}
		for _, w := range ws {
			for role, want := range map[store.Role]bool{store.RoleClinician: true, store.RoleHIM: true, store.RoleFrontDesk: false, store.RoleCoder: false} {
				if ids := queueIDs(t, w.as(t, role)); slices.Contains(ids, al.ID) != want {
					t.Fatalf("seed %d: %s queue %v", seed, role, ids)
				}
			}
		}
		// Review on workstation 1 as the HIM manager; pick workstation
		// 0's severity and workstation 1's status.
		c, err := ws[1].as(t, store.RoleHIM).Conflict(al.ID)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, f := range c.Fields {
			if f.Differs {
				keys = append(keys, f.Key)
			}
		}
		// All three versions side by side (the reaction merged into the
		// shown record, but it is still a version of its own until
		// resolved); the reaction and status were changed by one only.
		if !slices.Equal(keys, []string{"reaction", "severity", "status"}) || len(c.Versions) != 3 || !c.Versions[0].Shown {
			t.Fatalf("seed %d: fields %v versions %+v", seed, keys, c.Versions)
		}
		var sev ConflictField
		for _, f := range c.Fields {
			switch {
			case !f.Differs:
				if f.Values[0] != f.Values[1] {
					t.Fatalf("%s is not marked as differing: %q", f.Key, f.Values)
				}
			case f.Key == "severity":
				sev = f
			default:
				if v := f.Values[f.Choice]; v != "Hives" && v != "inactive" {
					t.Fatalf("%s: only one version changed it, yet the suggestion is %q", f.Key, v)
				}
			}
		}
		if sev.Base != "mild" || !slices.Contains(sev.Values, "severe") || !slices.Contains(sev.Values, "moderate") || sev.Label != "severity" {
			t.Fatalf("severity field %+v", sev)
		}
		var revs []string
		pickSevere := ""
		for i, v := range c.Versions {
			revs = append(revs, v.Rev)
			if sev.Values[i] == "severe" {
				pickSevere = v.Rev
			}
		}
		if err := ws[1].svc.ResolveConflict(al.ID, Resolution{Versions: revs[:1], Choose: map[string]string{"severity": pickSevere}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("resolving with a stale list of versions: %v", err)
		}
		if err := ws[1].as(t, store.RoleFrontDesk).ResolveConflict(al.ID, Resolution{Versions: revs}); !errors.Is(err, store.ErrPermission) {
			t.Fatalf("front desk resolving an allergy: %v", err)
		}
		if err := ws[1].as(t, store.RoleHIM).ResolveConflict(al.ID, Resolution{Versions: revs, Choose: map[string]string{"severity": pickSevere}}); err != nil {
			t.Fatal(err)
		}
		syncAll(t, rng, ws...)
		rec = sameRecord(t, al.ID, ws...)
		if len(rec.Parents) != 3 || len(rec.Conflicts) != 0 || len(rec.Merged) != 0 {
			t.Fatalf("resolution %+v", rec)
		}
		for _, w := range ws {
			ch, err := w.as(t, store.RoleClinician).OpenChart(pt.ID)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(ch.Allergies, func(a Allergy) bool { return a.ID == al.ID })
			if i < 0 {
				t.Fatal("allergy missing from the chart")
			}
			if a := ch.Allergies[i]; a.Severity != "severe" || a.Status != "inactive" || a.Reaction != "Hives" {
				t.Fatalf("resolved allergy %+v", a)
			}
			if ids := queueIDs(t, w.svc); slices.Contains(ids, al.ID) {
				t.Fatalf("seed %d: still queued after resolving: %v", seed, ids)
			}
		}
		noneLost(t, al.ID, made, ws...)
	}
	p.st = ws[1].st
	ws[1].as(t, store.RoleHIM) // only the HIM manager's keys open the audit log
	p.wantAudit("admin conflict.view " + pt.ID)
	p.wantAudit("admin conflict.resolve " + pt.ID)
}

// A deletion against a change: the change is shown; a clinician may keep
// it, only an HIM manager may keep the deletion.
func TestConflictModificationBeatsDeletion(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Conflicttest", "Cai", "1990-01-01")
	ws := p.replicas(2)
	rng := rand.New(rand.NewPCG(5, 6))
	pr := Problem{Meta: Meta{Patient: pt.ID}, Description: "Test problem", Status: "active"}
	if err := ws[0].as(t, store.RoleClinician).Save(&pr); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	if err := ws[0].as(t, store.RoleHIM).DeleteRecord(pr.ID, "entered in the wrong chart"); err != nil {
		t.Fatal(err)
	}
	mod := pr
	mod.Note = "Still active, confirmed"
	if err := ws[1].as(t, store.RoleClinician).Save(&mod); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	rec := sameRecord(t, pr.ID, ws...)
	if rec.Deleted || rec.Rev != mod.Rev {
		t.Fatalf("shows %+v, want the modification", rec)
	}
	c, err := ws[0].as(t, store.RoleClinician).Conflict(pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Deletion || c.CanDelete || len(c.Versions) != 2 || !c.Versions[1].Deleted || c.Versions[1].Reason != "entered in the wrong chart" {
		t.Fatalf("conflict %+v", c)
	}
	revs := []string{c.Versions[0].Rev, c.Versions[1].Rev}
	if err := ws[0].svc.ResolveConflict(pr.ID, Resolution{Versions: revs, Delete: true, Reason: "wrong chart"}); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("a clinician keeping a deletion: %v", err)
	}
	him := ws[0].as(t, store.RoleHIM)
	if c, _ := him.Conflict(pr.ID); !c.CanDelete {
		t.Fatal("an HIM manager may keep the deletion")
	}
	if err := him.ResolveConflict(pr.ID, Resolution{Versions: revs, Delete: true}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("keeping a deletion without a reason: %v", err)
	}
	if err := him.ResolveConflict(pr.ID, Resolution{Versions: revs, Delete: true, Reason: "wrong chart, confirmed with the clinician"}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	if rec := sameRecord(t, pr.ID, ws...); !rec.Deleted || len(rec.Parents) != 2 {
		t.Fatalf("after keeping the deletion: %+v", rec)
	}
	for _, w := range ws {
		if ids := queueIDs(t, w.as(t, store.RoleHIM)); len(ids) != 0 {
			t.Fatalf("queue %v", ids)
		}
	}
	noneLost(t, pr.ID, []string{pr.Rev, mod.Rev}, ws...)
}

// A signed note never changes by a merge: codes assigned meanwhile merge,
// a concurrent edit of the note goes to review and the signed note stays
// shown, before and after resolving.
func TestConflictSignedVisit(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Conflicttest", "Dee", "1960-09-09")
	ws := p.replicas(2)
	rng := rand.New(rand.NewPCG(9, 9))
	v := p.visit(pt, "2026-05-10")
	syncAll(t, rng, ws...)

	// Signing on 0 while codes are assigned on 1: they merge.
	signed, err := ws[0].as(t, store.RoleClinician).SignVisit(v.ID, v.Rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws[1].as(t, store.RoleCoder).SetVisitCodes(v.ID, v.Rev, []Diagnosis{{Code: "J20.9", Primary: true}}, nil); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	rec := sameRecord(t, v.ID, ws...)
	got, err := decodeVisit(rec)
	if err != nil || !got.Signed || len(got.Diagnoses) != 1 || got.Plan != v.Plan || len(rec.Conflicts) != 0 {
		t.Fatalf("signing and coding merged into %+v (%v)", got, err)
	}

	// A second visit: signed on 0, its note edited on 1 before 1 heard.
	v2 := p.visit(pt, "2026-05-11")
	syncAll(t, rng, ws...)
	if _, err := ws[0].as(t, store.RoleClinician).SignVisit(v2.ID, v2.Rev); err != nil {
		t.Fatal(err)
	}
	p.clk.add(1e9) // the unsigned edit is later: the signature must still win
	late := v2
	late.Plan = "Changed after all"
	if err := ws[1].as(t, store.RoleClinician).SaveVisit(&late); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	rec = sameRecord(t, v2.ID, ws...)
	shown, _ := decodeVisit(rec)
	if !shown.Signed || shown.Plan != v2.Plan || len(rec.Conflicts) != 1 {
		t.Fatalf("shows %+v, want the note as signed", shown)
	}
	c, err := ws[1].svc.Conflict(v2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Signed {
		t.Fatal("the queue does not say the note is signed")
	}
	var plan *ConflictField
	for i := range c.Fields {
		if c.Fields[i].Key == "plan" {
			plan = &c.Fields[i]
		}
	}
	if plan == nil || !plan.Differs || !plan.Locked || plan.Values[0] != v2.Plan || plan.Values[1] != "Changed after all" {
		t.Fatalf("plan field %+v", plan)
	}
	// Choosing the late plan does not change the signed note.
	revs := []string{c.Versions[0].Rev, c.Versions[1].Rev}
	if err := ws[1].svc.ResolveConflict(v2.ID, Resolution{Versions: revs, Choose: map[string]string{"plan": late.Rev}}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	rec = sameRecord(t, v2.ID, ws...)
	if shown, _ := decodeVisit(rec); !shown.Signed || shown.Plan != v2.Plan || len(rec.Conflicts) != 0 {
		t.Fatalf("after resolving: %+v", shown)
	}
	noneLost(t, v2.ID, []string{v2.Rev, late.Rev}, ws...)
	_ = signed
}

// Demographics that collide are the front desk's to resolve too; coders
// see no queue.
func TestConflictDemographicsFrontDesk(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Conflicttest", "Eve", "1985-04-04")
	ws := p.replicas(2)
	rng := rand.New(rand.NewPCG(1, 1))
	syncAll(t, rng, ws...)
	for i, phone := range []string{"+1 555 0111", "+1 555 0222"} {
		svc := ws[i].as(t, store.RoleFrontDesk)
		cur, err := svc.Patient(pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Phone = phone
		if _, err := svc.UpdatePatient(cur); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, rng, ws...)
	if ids := queueIDs(t, ws[0].as(t, store.RoleCoder)); len(ids) != 0 {
		t.Fatalf("a coder's queue: %v", ids)
	}
	desk := ws[0].as(t, store.RoleFrontDesk)
	if ids := queueIDs(t, desk); !slices.Equal(ids, []string{pt.ID}) {
		t.Fatalf("front desk queue %v", ids)
	}
	c, err := desk.Conflict(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, v := range c.Versions {
		revs = append(revs, v.Rev)
	}
	// Keep the version that is not shown.
	if err := desk.ResolveConflict(pt.ID, Resolution{Versions: revs, Choose: map[string]string{"phone": revs[1]}}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rng, ws...)
	for _, w := range ws {
		got, err := w.as(t, store.RoleFrontDesk).Patient(pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		var f ConflictField
		for _, x := range c.Fields {
			if x.Key == "phone" {
				f = x
			}
		}
		if got.Phone != f.Values[1] || queueIDs(t, w.svc) != nil {
			t.Fatalf("phone %q, want %q; queue %v", got.Phone, f.Values[1], queueIDs(t, w.svc))
		}
		if found, _ := w.svc.Find(f.Values[1][3:], 5); len(found) != 1 {
			t.Fatalf("the finder does not find the kept phone: %v", found)
		}
	}
}

// A store opened without the chart's merge rules could show another winner
// than the practice's other workstations: the service refuses it, and a
// record with concurrent versions does not read on it.
func TestOpenNeedsMergeRules(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Conflicttest", "Ana", "1980-02-03")
	ws := p.replicas(2)
	rng := rand.New(rand.NewPCG(5, 6))
	syncAll(t, rng, ws...)
	for i, w := range ws {
		svc := w.as(t, store.RoleHIM)
		cur, err := svc.Patient(pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Phone = "+1 555 010" + string(rune('0'+i))
		if _, err := svc.UpdatePatient(cur); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, rng, ws...)
	file := filepath.Join(t.TempDir(), "backup")
	if _, err := p.st.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bare")
	if err := store.Restore(file, dir, store.RestoreOptions{SecretFrom: p.st.Dir()}); err != nil {
		t.Fatal(err)
	}
	bare, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if err := bare.Unlock("admin", []byte(testpractice.Password)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bare); err == nil || !strings.Contains(err.Error(), "merge rules") {
		t.Fatalf("Open on a store without the merge rules: %v", err)
	}
	if _, err := bare.Get(pt.ID); !errors.Is(err, store.ErrNoMergeRule) {
		t.Fatalf("a patient with two versions on a store without the rules: %v", err)
	}
	if r, err := ws[0].st.Get(pt.ID); err != nil || len(r.Conflicts) != 1 {
		t.Fatalf("with the rules: %+v, %v", r, err)
	}
}
