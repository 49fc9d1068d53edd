package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// afterRotation follows a renewal of the practice's keys (a user disabled, a
// device revoked: docs/STORE.md, "Rotating keys"): older records are
// sealed again in the background, and a recovery key the renewal made (a
// practice whose recovery slot predates rotation) is shown this once.
func (a *adminView) afterRotation() {
	if a.s.svc != nil {
		a.s.svc.StartReseal()
	}
	rk := a.s.ws.st.TakeNewRecoveryKey()
	if rk == "" {
		return
	}
	key := &widget.Label{Text: rk, TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameSubHeadingText, Selectable: true}
	openModal(a.s.ws.win, lang.L("Write down the new recovery key"),
		container.NewVBox(
			paragraph(lang.L("Renewing the practice's keys made a new recovery key. The old one no longer opens new records. Write the new one down now, on paper, keep it somewhere safe away from this computer, and destroy the old emergency kit.")),
			&widget.Card{Content: key},
			paragraph(lang.L("It is shown only this once.")),
		),
		nil,
		&action{text: lang.L("I have written it down"), imp: widget.HighImportance},
		&action{text: lang.L("Emergency kit…"), icon: theme.DocumentPrintIcon(), do: func() { a.s.ws.emergencyKit(rk) }},
	)
}
