package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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
	text := lang.L("Record death…")
	if p.Deceased {
		text = lang.L("Correct the death record…")
	}
	return &widget.Button{Text: text, OnTapped: func() { s.recordDeath(p) }}
}

// recordDeath asks for the date of death (empty when not known) and
// records it; for a patient already recorded as deceased it also offers
// to undo a death recorded in error. The chart opens again afterwards.
func (s *session) recordDeath(p chart.Patient) {
	s.touch()
	date := newEntry(lang.L("YYYY-MM-DD, or empty when not known"))
	date.SetText(p.DeceasedDate)
	date.onActivity = s.touch
	f := newForm()
	f.add(lang.L("Date of death"), "date of death", date) // i18n:skip: a field name
	intro := fmt.Sprintf(lang.L("Record that %s has died. The chart, its header and every print say so, and the age stops at that date."), p.Name())
	content := container.NewVBox(paragraph(intro), f.content())
	reopen := func() { s.openChart(p.ID) }
	save := &action{text: lang.L("Record death"), imp: widget.HighImportance, do: reopen, check: func() bool {
		if _, err := s.svc.RecordDeath(p.ID, p.Rev, true, entryDate(date.Text)); err != nil {
			f.show(err)
			return false
		}
		return true
	}}
	var extra []*action
	if p.Deceased {
		extra = append(extra, &action{text: lang.L("Recorded in error: alive"), do: func() {
			if _, err := s.svc.RecordDeath(p.ID, p.Rev, false, ""); err != nil {
				showError(s.ws.win, lang.L("The death record was not corrected"), err)
				return
			}
			reopen()
		}})
	}
	openModal(s.ws.win, lang.L("Date of death"), content,
		&action{text: lang.L("Cancel")}, save, extra...)
}
