package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// TestAuditDetailInFrench: in French, the audit log shows the detail of a
// change of the idle lock as a French sentence, its values as stored; the
// stored detail stays in English.
func TestAuditDetailInFrench(t *testing.T) {
	p := newPractice(t)
	ws, w := openInFrench(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	if err := ws.st.SetIdleLock(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	s.admin()
	s.adm.tabs.SelectIndex(adminAudit)
	pane := s.adm.panes[adminAudit]
	test.Type(entryWith(t, pane, lang.L("action, e.g. chart.view")), "setting.change")
	test.Tap(button(t, pane, lang.L("Show")))
	a := s.adm.audit
	if len(a.rows) != 1 || !contains(a.rows[0], "verrouillage après inactivité 300 s → 600 s") || !contains(a.rows[0], "ce poste") {
		t.Errorf("audit rows: %q", a.rows)
	}
	if got := workstationShown(a.entries[0].Workstation); got != "ce poste" {
		t.Errorf("the workstation column shows %q", got)
	}
	if len(a.entries) != 1 || a.entries[0].Detail != "idle lock 300 s -> 600 s" {
		t.Errorf("stored details: %+v", a.entries)
	}
	if got := detailShown(a.entries[0]); got != "verrouillage après inactivité 300 s → 600 s" {
		t.Errorf("the detail column shows %q", got)
	}
}

// TestKeyRotationDetailInFrench: a key rotation's detail lists the keys
// renewed in the person's language, why as stored.
func TestKeyRotationDetailInFrench(t *testing.T) {
	p := newPractice(t)
	openInFrench(t, p.dir)
	e := chart.AuditEntry{AuditEvent: store.AuditEvent{Action: "key.rotate", Detail: "general key epoch 2, audit key epoch 2, administration key 1: user.disable: rotdesk"}}
	want := "clé générale (époque 2), clé d'audit (époque 2), clé d'administration n° 1 : user.disable: rotdesk"
	if got := detailShown(e); got != want {
		t.Errorf("the detail shows %q, want %q", got, want)
	}
}
