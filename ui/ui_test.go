package ui_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/ui"
)

// show builds the screen for dir in a headless window of the workstation's size.
func show(t *testing.T, dir string) (fyne.App, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.SetContent(ui.Create(a, w, dir))
	w.Resize(fyne.NewSize(800, 560))
	return a, w
}

// labels returns the text of every label on the window.
func labels(w fyne.Window) []string {
	var texts []string
	for _, o := range test.LaidOutObjects(w.Content()) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	return texts
}

// button returns the button on the window with the given text.
func button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	for _, o := range test.LaidOutObjects(w.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no %q button on the window", text)
	return nil
}

func TestNoPracticeShowsInitCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clinic data")
	_, w := show(t, dir)

	want := []string{
		"No practice in " + dir + " yet",
		"ckadmin init --data '" + dir + `' --practice NAME --admin-name "FULL NAME" --admin-user USERNAME`,
	}
	got := labels(w)
	for _, text := range want {
		if !contains(got, text) {
			t.Errorf("the window does not show %q; it shows:\n%s", text, strings.Join(got, "\n"))
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("showing the screen touched the data folder: %v", err)
	}
}

func TestNoPracticeCopiesCommand(t *testing.T) {
	dir := t.TempDir()
	a, w := show(t, dir)

	copyButton := button(t, w, "Copy command")
	test.Tap(copyButton)

	want := "ckadmin init --data " + dir + ` --practice NAME --admin-name "FULL NAME" --admin-user USERNAME`
	if got := a.Clipboard().Content(); got != want {
		t.Errorf("clipboard holds %q, want %q", got, want)
	}
	if copyButton.Text != "Copied" {
		t.Errorf("after copying the button reads %q, want %q", copyButton.Text, "Copied")
	}
}

func TestNoPracticeMarkup(t *testing.T) {
	_, w := show(t, "/srv/clinic/chartkeeper")
	test.AssertRendersToMarkup(t, "no_practice.xml", w.Canvas())
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
