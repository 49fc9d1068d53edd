package ui

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Escape closes Fyne's file dialogs as their Cancel button does, from the
// dialog itself and from the save dialog's file name field; Enter does not
// reach the screen behind; the window's keys come back afterwards.
func TestEscapeClosesFileDialogs(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("files")
	w.Resize(fyne.NewSize(900, 700))
	w.SetContent(widget.NewLabel("behind"))
	var behind []fyne.KeyName
	screen := func(k *fyne.KeyEvent) { behind = append(behind, k.Name) }
	w.Canvas().SetOnTypedKey(screen)
	press := func(k fyne.KeyName) { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }

	type result struct {
		called, gotFile bool
		err             error
	}
	for _, tc := range []struct {
		name string
		show func(done func(result))
	}{
		{"save", func(done func(result)) {
			chooseSaveFile(w, "summary.pdf", func(wc io.WriteCloser, _ string, err error) {
				done(result{true, wc != nil, err})
			})
		}},
		{"open", func(done func(result)) {
			chooseOpenFile(w, func(rc io.ReadCloser, _ string, err error) {
				done(result{true, rc != nil, err})
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r result
			tc.show(func(x result) { r = x })
			if w.Canvas().Overlays().Top() == nil {
				t.Fatal("no file dialog shown")
			}
			w.Canvas().Unfocus()
			press(fyne.KeyReturn)
			if r.called || w.Canvas().Overlays().Top() == nil {
				t.Fatalf("Enter with nothing chosen did something: %+v", r)
			}
			press(fyne.KeyEscape)
			if !r.called || r.gotFile || r.err != nil {
				t.Errorf("Escape did not cancel like Cancel: %+v", r)
			}
			if w.Canvas().Overlays().Top() != nil {
				t.Error("the file dialog is still shown after Escape")
			}
			if len(behind) != 0 {
				t.Errorf("the screen behind heard %v", behind)
			}
			press(fyne.KeyF5)
			if len(behind) != 1 {
				t.Errorf("the window's keys were not given back: %v", behind)
			}
			behind = nil
		})
	}

	// Escape typed in the save dialog's file name field (it has the
	// keyboard when the dialog opens) cancels too; typing a name still
	// names the file the dialog saves.
	var r result
	chooseSaveFile(w, "summary.pdf", func(wc io.WriteCloser, _ string, err error) { r = result{true, wc != nil, err} })
	name, ok := w.Canvas().Focused().(*entry)
	if !ok {
		t.Fatalf("the file name field is %T, not the workstation's entry", w.Canvas().Focused())
	}
	if name.Text != "summary.pdf" {
		t.Errorf("the name offered is %q", name.Text)
	}
	name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !r.called || r.gotFile || w.Canvas().Overlays().Top() != nil {
		t.Errorf("Escape in the file name field: %+v, dialog %v", r, w.Canvas().Overlays().Top())
	}

	// Enter in the file name field saves under the name typed.
	dir := t.TempDir()
	loc, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	r = result{}
	var path string
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		r = result{true, wc != nil, err}
		if wc != nil {
			path = wc.URI().Path()
			wc.Close()
		}
	}, w)
	d.SetLocation(loc)
	d.SetFileName("summary.pdf")
	showFileDialog(w, d)
	name = w.Canvas().Focused().(*entry)
	name.SetText("")
	test.Type(name, "letter.pdf")
	name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !r.called || !r.gotFile || filepath.Base(path) != "letter.pdf" {
		t.Errorf("Enter in the file name field: %+v %q", r, path)
	}
	if _, err := os.Stat(filepath.Join(dir, "letter.pdf")); err != nil {
		t.Error(err)
	}
	if w.Canvas().Overlays().Top() != nil {
		t.Error("the dialog is still shown after saving")
	}
	press(fyne.KeyF5)
	if len(behind) != 1 {
		t.Errorf("the window's keys were not given back after saving: %v", behind)
	}
}
