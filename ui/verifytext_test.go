package ui

import (
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	bolt "go.etcd.io/bbolt"
)

// TestAuditAndIntegrityInFrench: in French, the audit log names an
// action in words with its stored code after it, and "Check integrity"
// on a store file edited outside Chartkeeper (an allergy removed) names
// what differs in French sentences: the entry's kind and the verb
// translated, its ID and type as stored.
func TestAuditAndIntegrityInFrench(t *testing.T) {
	p := newPractice(t)
	removeAllergies(t, p.dir)
	ws, w := openInFrench(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	s.lock()
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, ws)
	s.admin()
	s.adm.tabs.SelectIndex(adminAudit)
	pane := s.adm.panes[adminAudit]
	test.Type(entryWith(t, pane, lang.L("patient MRN")), p.patient.MRN)
	test.Type(entryWith(t, pane, lang.L("action, e.g. chart.view")), "chart.view")
	test.Tap(button(t, pane, lang.L("Show")))
	rows := s.adm.audit.rows
	if len(rows) != 1 || !contains(rows[0], "drsmith  Ouverture d'un dossier (chart.view)  Dossier "+p.patient.MRN) {
		t.Errorf("audit rows: %q", rows)
	}
	// the filter finds the entry by its words in French too
	entryWith(t, pane, lang.L("action, e.g. chart.view")).SetText("ouverture d'un dossier")
	test.Tap(button(t, pane, lang.L("Show")))
	if rows := s.adm.audit.rows; len(rows) != 1 {
		t.Errorf("audit rows found by the French words: %q", rows)
	}

	shown := checkIntegrity(t, w, pane)
	for _, want := range []string{
		"2 problèmes trouvés",
		"Suppression dans le fichier de données : l'élément ",
		"(allergie), révision ",
		"Suppression dans le fichier de données : les révisions actuelles de l'élément ",
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("the integrity check does not say %q; it shows:\n%s", want, shown)
		}
	}
	for _, english := range []string{"differ", "was removed", "record", "allergy"} {
		if strings.Contains(shown, english) {
			t.Errorf("the integrity check still says %q in English:\n%s", english, shown)
		}
	}
}

// TestBrokenAuditChainInFrench: an audit entry removed from the store
// file is named in French by "Check integrity", the entry's number in it.
func TestBrokenAuditChainInFrench(t *testing.T) {
	p := newPractice(t)
	db, err := bolt.Open(filepath.Join(p.dir, "chartkeeper.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("audit")).Delete(binary.BigEndian.AppendUint64(nil, 2))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	ws, w := openInFrench(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	s.admin()
	s.adm.tabs.SelectIndex(adminAudit)
	shown := checkIntegrity(t, w, s.adm.panes[adminAudit])
	want := "Journal d'audit : des données enregistrées ont échoué au contrôle d'intégrité (modifiées, déplacées ou endommagées) : l'entrée 2 est absente (trouvé 3 ensuite)."
	if !strings.Contains(shown, want) {
		t.Errorf("the integrity check does not say %q; it shows:\n%s", want, shown)
	}
	for _, english := range []string{"audit log", "missing", "stored data"} {
		if strings.Contains(shown, english) {
			t.Errorf("the integrity check still says %q in English:\n%s", english, shown)
		}
	}
}

// openInFrench shows the workstation on dir in French in a headless
// window; the language goes back to the computer's at the end.
func openInFrench(t *testing.T, dir string) (*workstation, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	setLanguageSetting(a, "fr")
	t.Cleanup(func() {
		setLanguageSetting(a, "")
		applyLanguage(a)
	})
	w := test.NewTempWindow(t, nil)
	ws, content := create(a, w, dir)
	w.SetContent(content)
	w.Resize(fyne.NewSize(1600, 900))
	return ws, w
}

// checkIntegrity taps "Check integrity" on the audit pane and returns the
// text of the (French) dialog that says what the check found.
func checkIntegrity(t *testing.T, w fyne.Window, pane fyne.CanvasObject) string {
	t.Helper()
	test.Tap(button(t, pane, lang.L("Check integrity")))
	var shown string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		fyne.DoAndWait(func() {
			if top := w.Canvas().Overlays().Top(); top != nil {
				shown = strings.Join(texts(top), "\n")
			}
		})
		if strings.Contains(shown, "Vérifié : ") { // "Checked %s (%s), %s and %s."
			break
		}
	}
	return shown
}

// TestTourLabelsInFrench: the labels the tour shows as a finished
// printout are printed in the chosen language, with the practice's name
// as a real printout has it, and they record no print.
func TestTourLabelsInFrench(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is missing (poppler-utils)")
	}
	p := newPractice(t)
	ws, w := openInFrench(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	if err := s.openTourStop(&tourState{s: s, chart: p.patient.ID}, "chart-printout"); err != nil {
		t.Fatal(err)
	}
	var text string
	old := openInViewer
	openInViewer = func(_ fyne.App, path string) error {
		out, err := exec.Command(pdftotext, path, "-").Output()
		text = string(out)
		return err
	}
	t.Cleanup(func() { openInViewer = old })
	test.Tap(button(t, dialogOn(t, w), lang.L("Open in viewer")))
	practice, err := ws.st.Practice()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{p.patient.MRN, practice.Name, "Né"} {
		if !strings.Contains(text, want) {
			t.Errorf("the tour's labels lack %q:\n%s", want, text)
		}
	}
	for _, english := range []string{"Born", "Tour"} {
		if strings.Contains(text, english) {
			t.Errorf("the tour's labels still say %q:\n%s", english, text)
		}
	}
}
