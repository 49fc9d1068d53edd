package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// mrnCollisionRows lists, on the HIM worklists, the MRNs that two patients
// carry after sync (chart.MRNCollisions), each patient with "New MRN…".
func (a *adminView) mrnCollisionRows(section func(string, int, error), row func(string, ...fyne.CanvasObject), open func(string) *widget.Button) {
	cs, err := a.s.svc.MRNCollisions()
	if err == nil && len(cs) == 0 {
		return // rare: the section shows only when there is something to do
	}
	section("Patients sharing an MRN", len(cs), err)
	for _, c := range cs {
		for _, p := range c.Patients {
			row(fmt.Sprintf("MRN %s: %s, born %s", c.MRN, p.Name(), showDate(p.DOB)),
				open(p.ID), &widget.Button{Text: "New MRN…", OnTapped: func() { a.reassignMRN(p) }})
		}
	}
}

// reassignMRN gives a patient a new MRN after asking why.
func (a *adminView) reassignMRN(p chart.PatientSummary) {
	a.s.touch()
	reason := newEntry("why, e.g. the same MRN was drawn on two workstations")
	askForm(a.s.ws.win, "New MRN for "+p.Name(), container.NewVBox(
		paragraph(fmt.Sprintf("%s keeps MRN %s as a previous MRN; labels and paper filed under it must be reprinted with the new one. The other patient keeps MRN %s.", p.Name(), p.MRN, p.MRN)),
		reason), "Give a new MRN", "Cancel", nil, func() {
		mrn, err := a.s.svc.ReassignMRN(p.ID, reason.Text)
		if err != nil {
			showError(a.s.ws.win, "No new MRN was given", err)
			return
		}
		showMessage(a.s.ws.win, "New MRN", fmt.Sprintf("%s now has MRN %s.", p.Name(), mrn))
		a.refresh(adminWorklists)
	})
}
