package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// noPractice is the screen for a data folder that holds no practice yet: it
// shows the ckadmin command that sets one up.
type noPractice struct {
	app  fyne.App
	dir  string
	copy *widget.Button
}

func (s *noPractice) content() fyne.CanvasObject {
	command := &widget.Label{
		Text:       initCommand(s.dir),
		TextStyle:  fyne.TextStyle{Monospace: true},
		Wrapping:   fyne.TextWrapWord,
		Selectable: true,
	}
	s.copy = &widget.Button{
		Text:     "Copy command",
		Icon:     theme.ContentCopyIcon(),
		OnTapped: s.onCopy,
	}
	return page("No practice in "+s.dir+" yet",
		paragraph("A health information manager sets up the practice once, "+
			"in a terminal on this computer:"),
		&widget.Card{Content: command},
		container.NewHBox(s.copy),
		paragraph("Put the practice's name for NAME, and the first administrator's "+
			"full name and user name for FULL NAME and USERNAME. Then start "+
			"Chartkeeper again."),
	)
}

// onCopy puts the command on the clipboard, ready to paste into a terminal.
func (s *noPractice) onCopy() {
	s.app.Clipboard().SetContent(initCommand(s.dir))
	s.copy.SetText("Copied")
	s.copy.SetIcon(theme.ConfirmIcon())
}
