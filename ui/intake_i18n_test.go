package ui

import (
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"chartkeeper/scan"
	"chartkeeper/store"
)

// frenchWorkstation opens a workstation on p's data folder set to French.
func frenchWorkstation(t *testing.T, dir string) (*workstation, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	setLanguageSetting(a, "fr")
	t.Cleanup(func() { // the translations are Fyne's, shared by the package's tests
		setLanguageSetting(a, "")
		applyLanguage(a)
	})
	w := test.NewTempWindow(t, nil)
	ws, content := create(a, w, dir)
	w.SetContent(content)
	w.Resize(fyne.NewSize(1600, 900))
	return ws, w
}

// TestIntakeReasonsInFrench: with the workstation in French, the inbox
// shows why a password-protected PDF was left in its folder, why a folder
// is not watched and intake's note on a scan it could not file, all in
// French; the note stays stored in English (a workstation switched to
// another language reads it in that one), also once the scan is filed
// with the note as shown.
func TestIntakeReasonsInFrench(t *testing.T) {
	qpdf := needTool(t, "qpdf", "qpdf")
	p := newPractice(t)
	folder, gone := t.TempDir(), filepath.Join(t.TempDir(), "share")
	work := t.TempDir()
	plainPDF, locked := filepath.Join(work, "plain.pdf"), filepath.Join(work, "locked.pdf")
	if err := os.WriteFile(plainPDF, textPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(qpdf, "--encrypt", "open-sesame", "owner-secret", "256", "--", plainPDF, locked).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	if err := scan.SaveSettings(p.dir, scan.Settings{Folders: []scan.Folder{{Path: folder, Category: "letter", Rule: "{mrn}_*.pdf"}, {Path: gone}}}); err != nil {
		t.Fatal(err)
	}
	old := scanSettle
	scanSettle = 50 * time.Millisecond
	t.Cleanup(func() { scanSettle = old })

	ws, w := frenchWorkstation(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	sc := scanners[s]
	for name, b := range map[string][]byte{"locked.pdf": nil, "99990001_lettre.pdf": textPDF()} {
		if b == nil {
			var err error
			if b, err = os.ReadFile(locked); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(folder, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the protected PDF to be refused and the letter taken", func() bool {
		docs, _ := s.svc.Inbox()
		return len(sc.problems()) == 1 && len(docs) == 1
	})
	docs, _ := s.svc.Inbox()
	const stored = "The file name names MRN 99990001, which no patient has; file by hand."
	if docs[0].Note != stored {
		t.Fatalf("intake's note is stored as %q, want %q", docs[0].Note, stored)
	}

	s.showInbox()
	content := w.Content()
	wantText(t, content, "Resté dans le répertoire : "+filepath.Join(folder, "locked.pdf")+" : ce PDF demande un mot de passe ; enregistrez-le sans mot de passe et déposez-le de nouveau")
	wantText(t, content, "Le dossier de numérisation "+gone+" est inaccessible (il n'existe pas). L'import reprendra dès son retour.")
	wantText(t, content, "99990001_lettre.pdf · 1 page · reçu ")
	wantText(t, content, "Le nom du fichier indique le N° dossier 99990001, qu'aucun patient n'a ; classez à la main.")
	for _, english := range []string{"needs a password", "cannot be reached", "file by hand"} {
		noText(t, content, english)
	}

	// Filed with the note as shown, the note stays intake's English.
	inboxList(t, w).Select(0)
	v := s.inboxv
	if got := v.note.Text; got != "Le nom du fichier indique le N° dossier 99990001, qu'aucun patient n'a ; classez à la main." {
		t.Errorf("the note field reads %q", got)
	}
	v.patient = p.patient.Summary()
	v.category.SetSelected(categoryTitle("insurance"))
	if err := v.fileIt(); err != nil {
		t.Fatal(err)
	}
	d, ok, err := s.svc.DocumentByContent(sha256.Sum256(textPDF()))
	if err != nil || !ok {
		t.Fatalf("the filed letter is not found: %v", err)
	}
	if d.Note != stored || d.Patient != p.patient.ID {
		t.Errorf("filed with the note %q to %q, want %q to %q", d.Note, d.Patient, stored, p.patient.ID)
	}
}

// TestSetAsideKindInFrench: an item sync set aside is named by its kind,
// with its reason, in the workstation's language; the store keeps the
// kind's code and the reason's English.
func TestSetAsideKindInFrench(t *testing.T) {
	p := newPractice(t)
	ws, w := frenchWorkstation(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	err := ws.st.Update(func(tx *store.Tx) error {
		_, err := tx.PutSetAside(store.SetAside{Kind: store.SetAsideAudit, Device: "0123456789abcdef", ID: "0123456789abcdef", Seq: 4, Reason: "it was not sealed by this practice"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.admin()
	pane := s.adm.setAside() // the Sync tab's section, shown once sync is set up
	wantText(t, pane, " — entrée du journal d'audit de 01234567\nIl n'a pas été scellé par ce cabinet.\nAppareil 0123456789abcdef")
	noText(t, pane, "audit log entry")
	noText(t, pane, "sealed")
	items, err := ws.st.SetAsideItems()
	if err != nil || len(items) != 1 || items[0].Kind != store.SetAsideAudit {
		t.Errorf("stored: %+v %v", items, err)
	}
}

// TestFolderSettingsInFrench: what is wrong with a scan folder's settings
// is said in French on the scan folders screen, the folder and the rule as
// typed.
func TestFolderSettingsInFrench(t *testing.T) {
	p := newPractice(t)
	ws, w := frenchWorkstation(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	s.showFolderSettings()
	folder := t.TempDir()
	test.Type(entryWith(t, w.Content(), "Dossier, p. ex. /srv/scans/desk"), folder)
	test.Type(entryWith(t, w.Content(), lang.L("File name rule (optional), e.g. {mrn}_*.pdf")), "scan_*.pdf")
	test.Tap(button(t, w.Content(), "Enregistrer"))
	wantText(t, w.Content(), folder+` : la règle de nom de fichier "scan_*.pdf" n'a pas de {mrn}.`)
	noText(t, w.Content(), "has no")
	if set, err := scan.LoadSettings(p.dir); err != nil || len(set.Folders) != 0 {
		t.Errorf("saved %+v %v", set, err)
	}
}
