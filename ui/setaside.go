package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/internal/plain"
)

// setAside is the "Set aside" section of the HIM manager's Sync screen:
// the items from the server that failed their checks on this workstation
// and were not applied (chart.Service.SetAsideItems), each with what it
// was, the workstation that sent it, when and why. Sync went on past them;
// the section says what to do about them.
func (a *adminView) setAside() fyne.CanvasObject {
	items, err := a.s.svc.SetAsideItems()
	if err != nil {
		return container.NewVBox(heading(lang.L("Set aside")), paragraph(fmt.Sprintf(lang.L("The items set aside could not be listed: %s"), sentence(err))))
	}
	if len(items) == 0 {
		return container.NewVBox(heading(lang.L("Set aside")), paragraph(lang.L("Nothing from the server has been set aside.")))
	}
	rows := []fyne.CanvasObject{
		heading(lang.L("Set aside")),
		paragraph(setAsideSummary(len(items)) + " " + lang.L("Everything else keeps syncing. If the workstation named did not send it, its sync credential may have been copied: revoke that device above, and ask the server's operator to remove what it sent (chartkeeperd items).")),
	}
	for _, it := range items {
		who := it.Workstation
		if who == "" {
			who = lang.L("an unknown device")
		}
		reason := it.Reason
		if it.ReasonKey != "" { // the stored English reason, translated
			reason = plain.Full(lang.L(it.ReasonKey))
		}
		rows = append(rows, &widget.Label{
			Text:     fmt.Sprintf(lang.L("%s — %s from %s\n%s\nDevice %s"), showWhen(it.At), lang.L(it.Kind), who, reason, it.Device),
			Wrapping: fyne.TextWrapWord,
		})
	}
	return container.NewVBox(rows...)
}

func setAsideSummary(n int) string {
	if n == 1 {
		return lang.L("One item from the server failed its checks here and was not applied.")
	}
	return fmt.Sprintf(lang.L("%d items from the server failed their checks here and were not applied."), n)
}
