package ui

import (
	"encoding/json"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
	"chartkeeper/store"
)

func TestMRNCollisionWorklist(t *testing.T) {
	p := newPractice(t)
	// A second patient with the first one's MRN, as sync from a workstation
	// that drew the same number would bring it.
	st, err := chart.OpenStore(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Unlock("mlopez", []byte(testPassword)); err != nil {
		t.Fatal(err)
	}
	other := chart.Patient{ID: store.NewID(), MRN: p.patient.MRN, Family: "Testova", Given: "Žaneta", DOB: "1990-09-09", Sex: chart.Female}
	body, _ := json.Marshal(other)
	if _, err := st.Put(chart.TypePatient, other.ID, "", body); err != nil {
		t.Fatal(err)
	}
	st.Close()

	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	s.adm.tabs.SelectIndex(adminWorklists)
	pane := s.adm.panes[adminWorklists]
	wantText(t, pane, "Patients sharing an MRN (1)")
	wantText(t, pane, "MRN "+p.patient.MRN+": Testova, Žaneta, born 1990-09-09")

	var reassign *widgetButton
	walk(pane, func(o fyne.CanvasObject) {
		if b, ok := o.(*widgetButton); ok && b.Text == "New MRN…" && reassign == nil {
			reassign = b
		}
	})
	if reassign == nil {
		t.Fatal("no New MRN… button")
	}
	test.Tap(reassign)
	d := dialogOn(t, w)
	test.Type(find(t, d, func(e *entry) bool { return e.PlaceHolder == "why, e.g. the same MRN was drawn on two workstations" }), "same MRN drawn twice")
	test.Tap(button(t, d, "Give a new MRN"))
	wantText(t, dialogOn(t, w), "now has MRN")
	noText(t, s.adm.panes[adminWorklists], "Patients sharing an MRN")
	if _, err := s.svc.PatientByMRN(p.patient.MRN); err != nil {
		t.Errorf("the MRN still leads nowhere after the new MRN: %v", err)
	}
}
