package ui

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/internal/words"
	"chartkeeper/interop/access"
)

// accessExport makes the patient's copy of their record: the summary PDF,
// the FHIR bundle and the filed documents in one zip, saved where the
// person chooses and recorded as a disclosure (interop/access).
func (v *chartView) accessExport() {
	s := v.s
	s.touch()
	p := v.c.Patient
	recipient := newEntry("the patient, or their representative's name")
	recipient.SetText("the patient")
	askForm(s.ws.win, "Patient access export",
		container.NewVBox(
			paragraph("One zip file with the patient's whole record: the summary as a PDF, the record in FHIR R4 "+
				"(for another clinic's system or a health app) and every filed document. "+
				"It is recorded in the patient's accounting of disclosures."),
			widget.NewForm(widget.NewFormItem("Given to", recipient))), "Choose where to save…", "Cancel", nil, func() {
			to := strings.TrimSpace(recipient.Text)
			chooseSaveFile(s.ws.win, "record-"+p.MRN+".zip", func(w io.WriteCloser, path string, err error) {
				v.saveAccessExport(w, path, to, err)
			})
		})
}

// saveAccessExport writes the export to the path chosen, off the UI
// goroutine. The file the save dialog opened is replaced whole.
func (v *chartView) saveAccessExport(w io.WriteCloser, path, recipient string, err error) {
	s := v.s
	if w == nil && err == nil {
		return // cancelled
	}
	if w != nil {
		w.Close()
	}
	if err == nil && path == "" {
		err = errors.New("the export can only be saved to a folder on this computer")
	}
	if err != nil {
		showError(s.ws.win, "Not exported", err)
		return
	}
	pid := v.c.Patient.ID
	runInBackground(func() {
		res, err := access.WriteFile(s.svc, pid, path, access.Options{Recipient: recipient})
		fyne.Do(func() {
			if err != nil {
				showError(s.ws.win, "Not exported", err)
				return
			}
			showMessage(s.ws.win, "Patient access export saved", fmt.Sprintf(
				"Saved as %s: the summary, the FHIR record and %s (%s).\nRecorded as a disclosure to %s.",
				path, words.Plural(res.Documents, "document"), words.Plural(int(res.Bytes), "byte"), res.Disclosure.Recipient))
		})
	})
}
