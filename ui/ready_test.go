package ui_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"chartkeeper/store"
	"chartkeeper/ui"
)

func TestStoreReadyHoldsTheFolderUntilTheWindowCloses(t *testing.T) {
	dir := t.TempDir()
	st, _, err := store.Create(dir, store.NewPractice{
		Name:          "Riverside Clinic",
		AdminName:     "Maria Lopez",
		AdminUser:     "mlopez",
		AdminPassword: []byte("correct horse battery staple"),
	})
	if err != nil {
		t.Fatal(err)
	}
	practiceID := st.PracticeID()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	a := test.NewTempApp(t)
	w := test.NewWindow(nil) // closed below: the test driver cannot close a window twice
	w.SetContent(ui.Create(a, w, dir))
	got := labels(w)
	for _, text := range []string{"Store ready", dir, practiceID} {
		if !contains(got, text) {
			t.Errorf("the window does not show %q; it shows:\n%s", text, strings.Join(got, "\n"))
		}
	}

	// A second window on the same folder finds it in use and says so.
	second := test.NewTempWindow(t, nil)
	second.SetContent(ui.Create(a, second, dir))
	if text := strings.Join(labels(second), "\n"); !strings.Contains(text, "Another Chartkeeper program") {
		t.Errorf("a second window on an open folder shows:\n%s", text)
	}

	// Closing the first window releases the folder.
	w.Close()
	st, err = store.Open(dir)
	if err != nil {
		t.Fatalf("the folder is still held after the window closed: %v", err)
	}
	st.Close()
}
