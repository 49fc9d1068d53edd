package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
)

// form lays out labelled fields, each with room for an error message under
// it, and a message for the whole form. The chart package names each field
// it refuses (a chart.FieldError); the form shows the message under the
// field of that name, or at the bottom when no field has it.
type form struct {
	grid    *fyne.Container
	errs    map[string]*widget.Label
	general *widget.Label
}

func newForm() *form {
	return &form{
		grid:    container.New(layout.NewFormLayout()),
		errs:    map[string]*widget.Label{},
		general: errorLabel(),
	}
}

// add appends a field. name is the field's name in chart.FieldError.
func (f *form) add(label, name string, input fyne.CanvasObject) {
	msg := errorLabel()
	f.errs[name] = msg
	f.grid.Add(&widget.Label{Text: label, TextStyle: fyne.TextStyle{Bold: true}})
	f.grid.Add(container.NewVBox(input, msg))
}

// alias shows the service's messages about field name under the field
// that is shown as other (e.g. "blood pressure" under the systolic value).
func (f *form) alias(name, other string) {
	if l, ok := f.errs[other]; ok {
		f.errs[name] = l
	}
}

// content is the form's fields with the general message under them.
func (f *form) content() fyne.CanvasObject {
	return container.NewVBox(f.grid, f.general)
}

// clear removes every message.
func (f *form) clear() {
	for _, l := range f.errs {
		setError(l, "")
	}
	setError(f.general, "")
}

// show puts err's messages under their fields. It reports whether err was
// a validation error; other errors go to the general message.
func (f *form) show(err error) bool {
	f.clear()
	var ve *chart.ValidationError
	if !errors.As(err, &ve) {
		setError(f.general, sentence(err))
		return false
	}
	var rest []chart.FieldError
	for _, fe := range ve.Fields {
		if l, ok := f.errs[fe.Field]; ok {
			msg := capital(plain.Problem(fe)) + "."
			if l.Visible() && l.Text != "" {
				msg = l.Text + " " + msg
			}
			setError(l, msg)
		} else {
			rest = append(rest, fe)
		}
	}
	if len(rest) > 0 {
		setError(f.general, sentence(&chart.ValidationError{What: ve.What, Fields: rest}))
	}
	return true
}

// errorLabel is a hidden label for an error message.
func errorLabel() *widget.Label {
	l := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	l.Hide()
	return l
}

// setError shows text in an error label, or hides it when text is empty.
func setError(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// heading is a bold line of text.
func heading(text string) *widget.Label {
	return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}
}
