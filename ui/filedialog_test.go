package ui

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fileDialogWindow is a window with a screen that records the keys it
// hears, and a folder the file dialog starts in: summary.pdf, codes.txt,
// notes.txt and a subfolder letters/ holding old.txt.
func fileDialogWindow(t *testing.T) (w fyne.Window, dir string, behind *[]fyne.KeyName) {
	a := test.NewTempApp(t)
	w = a.NewWindow("files")
	w.Resize(fyne.NewSize(900, 700))
	w.SetContent(widget.NewLabel("behind"))
	heard := []fyne.KeyName{}
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { heard = append(heard, k.Name) })
	dir = t.TempDir()
	for _, f := range []string{"summary.pdf", "codes.txt", "notes.txt", filepath.Join("letters", "old.txt")} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("old "+f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a.Preferences().SetString(prefLastFolder, dir)
	return w, dir, &heard
}

// pressKey sends a key the way Fyne's desktop driver does: to the focused
// widget when there is one, else to the window.
func pressKey(w fyne.Window, k fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: k}
	if f := w.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := w.Canvas().OnTypedKey(); h != nil {
		h(ev)
	}
}

// fileRowNamed finds the file dialog's row showing name, and where it is
// drawn on the window.
func fileRowNamed(w fyne.Window, name string) (*fileRow, fyne.Position) {
	var found *fileRow
	var at fyne.Position
	var walk func(o fyne.CanvasObject, pos fyne.Position)
	walk = func(o fyne.CanvasObject, pos fyne.Position) {
		if found != nil || !o.Visible() {
			return
		}
		pos = pos.Add(o.Position())
		if r, ok := o.(*fileRow); ok && r.label.Text == name {
			found, at = r, pos
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch, pos)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch, pos)
			}
		}
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		walk(top, fyne.Position{})
	}
	return found, at
}

// clickFile clicks a row of the file dialog where it is drawn.
func clickFile(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	r, at := fileRowNamed(w, name)
	if r == nil {
		t.Fatalf("the file dialog lists no %q", name)
	}
	test.TapCanvas(w.Canvas(), at.Add(fyne.NewPos(r.Size().Width/2, r.Size().Height/2)))
}

type fileResult struct {
	called  int
	gotFile bool
	path    string
	err     error
}

// Escape closes the file dialogs as their Cancel button does, also once a
// file was clicked in the list (which then has the keyboard), from the
// file name field too; nothing behind the dialog hears a key; the
// window's keys come back afterwards.
func TestEscapeClosesFileDialogs(t *testing.T) {
	w, _, behind := fileDialogWindow(t)
	for _, tc := range []struct {
		name string
		file string
		show func(r *fileResult)
	}{
		{"save", "summary.pdf", func(r *fileResult) {
			chooseSaveFile(w, "summary.pdf", func(wc io.WriteCloser, p string, err error) {
				*r = fileResult{r.called + 1, wc != nil, p, err}
			})
		}},
		{"open", "codes.txt", func(r *fileResult) {
			chooseOpenFile(w, func(rc io.ReadCloser, p string, err error) {
				*r = fileResult{r.called + 1, rc != nil, p, err}
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r fileResult
			tc.show(&r)
			if w.Canvas().Overlays().Top() == nil {
				t.Fatal("no file dialog shown")
			}
			clickFile(t, w, tc.file)
			if _, ok := w.Canvas().Focused().(*fileList); !ok {
				t.Fatalf("after a click on a file the keyboard is with %T, not the file list", w.Canvas().Focused())
			}
			pressKey(w, fyne.KeyEscape)
			if r.called != 1 || r.gotFile || r.err != nil {
				t.Errorf("Escape did not cancel like Cancel: %+v", r)
			}
			if w.Canvas().Overlays().Top() != nil {
				t.Error("the file dialog is still shown after Escape")
			}
			if len(*behind) != 0 {
				t.Errorf("the screen behind heard %v", *behind)
			}
			pressKey(w, fyne.KeyF5)
			if len(*behind) != 1 {
				t.Errorf("the window's keys were not given back: %v", *behind)
			}
			*behind = nil

			// Escape with nothing focused, and from a button of the
			// dialog, cancels too.
			r = fileResult{}
			tc.show(&r)
			w.Canvas().Unfocus()
			pressKey(w, fyne.KeyEscape)
			if r.called != 1 || r.gotFile || w.Canvas().Overlays().Top() != nil {
				t.Errorf("Escape with nothing focused: %+v", r)
			}
			r = fileResult{}
			tc.show(&r)
			test.FocusNext(w.Canvas())
			for i := 0; i < 8; i++ {
				if _, ok := w.Canvas().Focused().(*keyButton); ok {
					break
				}
				test.FocusNext(w.Canvas())
			}
			if _, ok := w.Canvas().Focused().(*keyButton); !ok {
				t.Fatalf("Tab never reaches a button of the dialog")
			}
			pressKey(w, fyne.KeyEscape)
			if r.called != 1 || r.gotFile || w.Canvas().Overlays().Top() != nil {
				t.Errorf("Escape on a button: %+v", r)
			}
			if len(*behind) != 0 {
				t.Errorf("the screen behind heard %v", *behind)
			}
		})
	}

	// Escape typed in the save dialog's file name field (it has the
	// keyboard when the dialog opens) cancels too.
	var r fileResult
	chooseSaveFile(w, "summary.pdf", func(wc io.WriteCloser, p string, err error) { r = fileResult{r.called + 1, wc != nil, p, err} })
	name, ok := w.Canvas().Focused().(*entry)
	if !ok {
		t.Fatalf("the file name field is %T, not the workstation's entry", w.Canvas().Focused())
	}
	if name.Text != "summary.pdf" {
		t.Errorf("the name offered is %q", name.Text)
	}
	pressKey(w, fyne.KeyEscape)
	if r.called != 1 || r.gotFile || w.Canvas().Overlays().Top() != nil {
		t.Errorf("Escape in the file name field: %+v, dialog %v", r, w.Canvas().Overlays().Top())
	}
}

// Enter confirms the file dialogs with the file chosen in the list (a
// file saved over is asked about first), or with the name typed; a
// folder clicked opens; the open dialog lists only text files.
func TestEnterConfirmsFileDialogs(t *testing.T) {
	w, dir, behind := fileDialogWindow(t)
	var r fileResult
	var saved io.WriteCloser
	save := func(name string) {
		r = fileResult{}
		chooseSaveFile(w, name, func(wc io.WriteCloser, p string, err error) {
			r = fileResult{r.called + 1, wc != nil, p, err}
			saved = wc
		})
	}

	// Enter with nothing named does nothing but say so.
	save("x.pdf")
	w.Canvas().Focused().(*entry).SetText("")
	pressKey(w, fyne.KeyReturn)
	if r.called != 0 || w.Canvas().Overlays().Top() == nil {
		t.Fatalf("Enter with no name: %+v", r)
	}
	pressKey(w, fyne.KeyEscape)

	// A file clicked, then Enter: asked first, Enter replaces it.
	save("letter.pdf")
	clickFile(t, w, "summary.pdf")
	pressKey(w, fyne.KeyReturn)
	if r.called != 0 {
		t.Fatalf("saved over summary.pdf without asking: %+v", r)
	}
	wantText(t, w.Canvas().Overlays().Top(), "Replace summary.pdf?")
	pressKey(w, fyne.KeyReturn)
	if r.called != 1 || !r.gotFile || r.path != filepath.Join(dir, "summary.pdf") {
		t.Fatalf("Enter on the question did not save over summary.pdf: %+v", r)
	}
	if _, err := io.WriteString(saved, "new"); err != nil {
		t.Fatal(err)
	}
	saved.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "summary.pdf")); string(b) != "new" {
		t.Errorf("summary.pdf holds %q", b)
	}
	if w.Canvas().Overlays().Top() != nil {
		t.Error("a dialog is still shown after saving")
	}

	// A name typed, then Enter in the field: a new file, mode 0600.
	save("summary.pdf")
	name := w.Canvas().Focused().(*entry)
	name.SetText("")
	test.Type(name, "letter.pdf")
	pressKey(w, fyne.KeyReturn)
	if r.called != 1 || !r.gotFile || r.path != filepath.Join(dir, "letter.pdf") {
		t.Fatalf("Enter in the file name field: %+v", r)
	}
	saved.Close()
	if st, err := os.Stat(r.path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("letter.pdf: %v %v", st, err)
	}

	// Open: only text files and folders are listed; a folder clicked
	// opens, Backspace goes back up; a file clicked and Enter opens it.
	var read string
	r = fileResult{}
	chooseOpenFile(w, func(rc io.ReadCloser, p string, err error) {
		r = fileResult{r.called + 1, rc != nil, p, err}
		if rc != nil {
			b, _ := io.ReadAll(rc)
			read = string(b)
			rc.Close()
		}
	})
	if r, _ := fileRowNamed(w, "summary.pdf"); r != nil {
		t.Error("the open dialog for a code table lists summary.pdf")
	}
	clickFile(t, w, "letters")
	if r, _ := fileRowNamed(w, "old.txt"); r == nil {
		t.Fatal("a click on letters did not open the folder")
	}
	pressKey(w, fyne.KeyBackspace)
	clickFile(t, w, "notes.txt")
	pressKey(w, fyne.KeyReturn)
	if r.called != 1 || !r.gotFile || read != "old notes.txt" {
		t.Errorf("Enter after choosing notes.txt: %+v %q", r, read)
	}
	if w.Canvas().Overlays().Top() != nil {
		t.Error("the open dialog is still shown")
	}

	// A double click on a file opens it.
	r = fileResult{}
	chooseOpenFile(w, func(rc io.ReadCloser, p string, err error) {
		r = fileResult{r.called + 1, rc != nil, p, err}
		if rc != nil {
			rc.Close()
		}
	})
	clickFile(t, w, "codes.txt")
	clickFile(t, w, "codes.txt")
	if r.called != 1 || r.path != filepath.Join(dir, "codes.txt") {
		t.Errorf("double click on codes.txt: %+v", r)
	}
	if len(*behind) != 0 {
		t.Errorf("the screen behind heard %v", *behind)
	}
}
