package ui

import (
	"fmt"
	"io"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// noCodeTableText is what the places where codes are entered say when the
// practice has no ICD-10-CM table: the service then checks a code's form
// only, so a search finds nothing and any well-formed code is kept.
func noCodeTableText() string {
	return lang.L("No ICD-10-CM table is installed on this practice, so codes cannot be looked up or checked: a code is kept as typed if it has the form of one (a letter, two digits and up to four more, like E11.9). An HIM manager can install the CMS file: ckadmin codes import icd10cm-codes-2025.txt (from the CMS ICD-10-CM release), or Administration, Settings, Import ICD-10-CM table.")
}

// codeTableNotice is the line shown above a code search when the practice
// has no ICD-10-CM table, with an import button for an HIM manager; with a
// table it is an empty box.
func (s *session) codeTableNotice() fyne.CanvasObject {
	box := container.NewVBox()
	if _, ok := s.svc.CodeTable(); ok {
		return box
	}
	l := paragraph(noCodeTableText())
	l.Importance = widget.WarningImportance
	box.Add(l)
	if chart.Allowed(s.user.Role, chart.Administer) {
		box.Add(container.NewHBox(s.importCodesButton(func(n int) {
			installed := lang.L("ICD-10-CM table installed: 1 code. Search again.")
			if n != 1 {
				installed = fmt.Sprintf(lang.L("ICD-10-CM table installed: %d codes. Search again."), n)
			}
			box.Objects = []fyne.CanvasObject{paragraph(installed)}
			box.Refresh()
		})))
	}
	return box
}

// codeTableSettings is the part of the practice settings about the
// ICD-10-CM table: which one the practice uses, and an import button.
func (s *session) codeTableSettings() fyne.CanvasObject {
	status := paragraph("")
	show := func() {
		if info, ok := s.svc.CodeTable(); ok {
			status.SetText(fmt.Sprintf(lang.L("Codes are searched and checked in %s: %d ICD-10-CM codes. Importing a CMS release file (icd10cm-codes-YYYY.txt) replaces it."),
				info.Name, info.Codes))
		} else {
			status.SetText(noCodeTableText())
		}
	}
	show()
	box := container.NewVBox(widget.NewSeparator(), heading(lang.L("ICD-10-CM codes")), status)
	if chart.Allowed(s.user.Role, chart.Administer) {
		box.Add(container.NewHBox(s.importCodesButton(func(int) { show() })))
	}
	return box
}

// importCodesButton imports a CMS code table file the HIM manager chooses;
// done runs on the UI goroutine with the number of codes once it is in.
func (s *session) importCodesButton(done func(n int)) *widget.Button {
	return &widget.Button{Text: lang.L("Import ICD-10-CM table…"), Icon: theme.FolderOpenIcon(), OnTapped: func() {
		s.touch()
		chooseOpenFile(s.ws.win, func(r io.ReadCloser, name string, err error) {
			if r == nil && err == nil {
				return // cancelled
			}
			if err != nil {
				showError(s.ws.win, lang.L("No code table imported"), err)
				return
			}
			runInBackground(func() {
				defer r.Close()
				n, err := s.svc.ImportCodes(r, filepath.Base(name))
				fyne.Do(func() {
					if err != nil {
						showError(s.ws.win, lang.L("No code table imported"), err)
						return
					}
					done(n)
					imported := fmt.Sprintf(lang.L("Imported 1 code from %s; they replace the practice's previous table."), filepath.Base(name))
					if n != 1 {
						imported = fmt.Sprintf(lang.L("Imported %d codes from %s; they replace the practice's previous table."), n, filepath.Base(name))
					}
					showMessage(s.ws.win, lang.L("ICD-10-CM table imported"), imported)
				})
			})
		})
	}}
}
