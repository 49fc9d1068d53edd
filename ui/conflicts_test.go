package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// collideAllergy makes p's allergy collide: a second workstation (a restored
// backup) and this one each set another severity, and this one imports
// the other's edit. It returns the allergy's ID.
func collideAllergy(t *testing.T, p *practice) string {
	t.Helper()
	pw := []byte(testPassword)
	st, err := chart.OpenStore(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Unlock("mlopez", pw); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup")
	if _, err := st.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "other")
	if err := store.Restore(file, dir, store.RestoreOptions{SecretFrom: p.dir}); err != nil {
		t.Fatal(err)
	}
	other, err := chart.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	edit := func(st *store.Store, severity string) chart.Allergy {
		st.Lock()
		if err := st.Unlock("drsmith", pw); err != nil {
			t.Fatal(err)
		}
		svc, err := chart.Open(st)
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		c, err := svc.OpenChart(p.patient.ID)
		if err != nil {
			t.Fatal(err)
		}
		al := c.Allergies[0]
		al.Severity = severity
		if err := svc.Save(&al); err != nil {
			t.Fatal(err)
		}
		return al
	}
	mine := edit(st, "moderate")
	theirs := edit(other, "mild")
	var w store.WireRev
	if err := other.View(func(tx *store.Tx) (err error) { w, err = tx.ExportRev(theirs.ID, theirs.Rev); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportRevs([]store.WireRev{w}); err != nil {
		t.Fatal(err)
	}
	if r, err := st.Get(mine.ID); err != nil || len(r.Conflicts) != 1 {
		t.Fatalf("no conflict made: %+v %v", r, err)
	}
	return mine.ID
}

func TestConflictReviewScreen(t *testing.T) {
	p := newPractice(t)
	id := collideAllergy(t, p)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	s.adm.tabs.SelectIndex(adminWorklists)
	pane := s.adm.panes[adminWorklists]
	wantText(t, pane, "Records changed on two workstations at once (1)")
	wantText(t, pane, "Allergy of Okafor, Chidi")

	test.Tap(button(t, pane, "Review…"))
	wantText(t, pane, "Review: allergy of Okafor, Chidi")
	wantText(t, pane, "● severity") // the differing field is marked
	wantText(t, pane, "Penicillin") // fields both versions share are shown
	wantText(t, pane, "Version 1 (shown)")
	// Both values side by side: the shown one ticked; keep the other.
	ticked := find(t, pane, func(c *widget.Check) bool { return c.Checked })
	other := find(t, pane, func(c *widget.Check) bool { return !c.Checked && (c.Text == "mild" || c.Text == "moderate") })
	if ticked.Text == other.Text || (ticked.Text != "mild" && ticked.Text != "moderate") {
		t.Fatalf("the choices are %q (ticked) and %q", ticked.Text, other.Text)
	}
	test.TapAt(other, fyne.NewPos(4, other.Size().Height/2)) // on the box, not beside it
	if ticked.Checked || !other.Checked {
		t.Fatalf("ticking one value does not untick the other: %q %v, %q %v", ticked.Text, ticked.Checked, other.Text, other.Checked)
	}
	test.Tap(button(t, pane, "Resolve"))
	wantText(t, pane, "Records changed on two workstations at once (0)")

	r, err := ws.st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Parents) != 2 || len(r.Conflicts) != 0 || !contains(string(r.Body), `"severity":"`+other.Text+`"`) {
		t.Fatalf("resolved record %s parents %v conflicts %v", r.Body, r.Parents, r.Conflicts)
	}
}

// The queue on its own screen, as a clinician sees it (chart records and
// demographics they may change).
func TestConflictQueueForClinician(t *testing.T) {
	p := newPractice(t)
	id := collideAllergy(t, p)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Changed on two workstations: 1")) // the header's way in
	wantText(t, s.detail, "Allergy of Okafor, Chidi")
	test.Tap(button(t, s.detail, "Review…"))
	wantText(t, s.detail, "● severity")
	if hasButton(s.detail, "Keep the deletion") {
		t.Error("a deletion to keep is offered where there is none")
	}
	test.Tap(button(t, s.detail, "Resolve")) // the shown version's values
	wantText(t, s.detail, "Nothing waiting.")
	if hasButton(w.Content(), "Changed on two workstations: 1") {
		t.Error("the header still offers a resolved conflict")
	}
	if r, err := ws.st.Get(id); err != nil || len(r.Parents) != 2 || len(r.Conflicts) != 0 {
		t.Fatalf("resolved: %+v %v", r, err)
	}
}
