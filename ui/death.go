package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// mayRecordDeath reports whether the signed-in user may record a death
// (clinicians and HIM managers).
func (s *session) mayRecordDeath() bool {
	return chart.Allowed(s.user.Role, chart.WriteClinical) || chart.Allowed(s.user.Role, chart.Administer)
}

// deathButton is the button that records a patient's death, or, when one
// is recorded, offers to correct it; nil for a role that may not.
func (s *session) deathButton(p chart.Patient) fyne.CanvasObject {
	if !s.mayRecordDeath() {
		return nil
	}
	text := "Record death…"
	if p.Deceased {
		text = "Correct the death record…"
	}
	return &widget.Button{Text: text, OnTapped: func() { s.recordDeath(p) }}
}

// recordDeath asks for the date of death (empty when not known) and
// records it; for a patient already recorded as deceased it also offers
// to undo a death recorded in error. The chart opens again afterwards.
func (s *session) recordDeath(p chart.Patient) {
	s.touch()
	date := newEntry("YYYY-MM-DD, or empty when not known")
	date.SetText(p.DeceasedDate)
	date.onActivity = s.touch
	f := newForm()
	f.add("Date of death", "date of death", date)
	intro := "Record that " + p.Name() + " has died. The chart, its header and every print say so, and the age stops at that date."
	content := container.NewVBox(paragraph(intro), f.content())
	reopen := func() { s.openChart(p.ID) }
	save := &action{text: "Record death", imp: widget.HighImportance, do: reopen, check: func() bool {
		if _, err := s.svc.RecordDeath(p.ID, p.Rev, true, entryDate(date.Text)); err != nil {
			f.show(err)
			return false
		}
		return true
	}}
	var extra []*action
	if p.Deceased {
		extra = append(extra, &action{text: "Recorded in error: alive", do: func() {
			if _, err := s.svc.RecordDeath(p.ID, p.Rev, false, ""); err != nil {
				showError(s.ws.win, "The death record was not corrected", err)
				return
			}
			reopen()
		}})
	}
	openModal(s.ws.win, "Date of death", content, &action{text: "Cancel"}, save, extra...)
}
