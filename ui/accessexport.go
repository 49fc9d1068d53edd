package ui

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/interop/access"
)

// accessExport makes the patient's copy of their record: the summary PDF,
// the FHIR bundle and the filed documents in one zip, saved where the
// person chooses and recorded as a disclosure (interop/access).
func (v *chartView) accessExport() {
	s := v.s
	s.touch()
	p := v.c.Patient
	recipient := newEntry(lang.L("the patient, or their representative's name"))
	recipient.SetText(lang.L("the patient"))
	askForm(s.ws.win, lang.L("Patient access export"),
		container.NewVBox(
			paragraph(lang.L("One zip file with the patient's whole record: the summary as a PDF, the record in FHIR R4 "+
				"(for another clinic's system or a health app) and every filed document. "+
				"It is recorded in the patient's accounting of disclosures.")),
			widget.NewForm(widget.NewFormItem(lang.L("Given to"), recipient))), lang.L("Choose where to save…"), lang.L("Cancel"), nil, func() {
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
		err = errors.New(lang.L("the export can only be saved to a folder on this computer"))
	}
	if err != nil {
		showError(s.ws.win, lang.L("Not exported"), err)
		return
	}
	pid := v.c.Patient.ID
	runInBackground(func() {
		res, err := access.WriteFile(s.svc, pid, path, access.Options{Recipient: recipient})
		fyne.Do(func() {
			if err != nil {
				showError(s.ws.win, lang.L("Not exported"), err)
				return
			}
			if res.Documents == 1 {
				showMessage(s.ws.win, lang.L("Patient access export saved"), fmt.Sprintf(
					lang.L("Saved as %s: the summary, the FHIR record and 1 document (%d bytes).\nRecorded as a disclosure to %s."),
					path, res.Bytes, res.Disclosure.Recipient))
				return
			}
			showMessage(s.ws.win, lang.L("Patient access export saved"), fmt.Sprintf(
				lang.L("Saved as %s: the summary, the FHIR record and %d documents (%d bytes).\nRecorded as a disclosure to %s."),
				path, res.Documents, res.Bytes, res.Disclosure.Recipient))
		})
	})
}
