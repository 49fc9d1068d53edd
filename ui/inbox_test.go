package ui

import (
	"bytes"
	"encoding/binary"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// greyTIFF is an uncompressed grey TIFF of n blank pages of 60×80 pixels.
func greyTIFF(n int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00\x00\x00\x00\x00")
	link := 4
	for k := 0; k < n; k++ {
		strip := b.Len()
		px := bytes.Repeat([]byte{0xff}, 60*80)
		px[k] = 0 // pages differ
		b.Write(px)
		le.PutUint32(b.Bytes()[link:], uint32(b.Len()))
		ents := [][2]uint32{{256, 60}, {257, 80}, {258, 8}, {259, 1}, {262, 1}, {273, uint32(strip)}, {277, 1}, {278, 80}, {279, 60 * 80}}
		binary.Write(&b, le, uint16(len(ents)))
		for _, e := range ents {
			binary.Write(&b, le, uint16(e[0]))
			binary.Write(&b, le, uint16(4))
			binary.Write(&b, le, uint32(1))
			binary.Write(&b, le, e[1])
		}
		link = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}

// waitFor polls cond (the engine works on its own goroutine) for up to
// ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func inboxList(t *testing.T, w fyne.Window) *docList {
	t.Helper()
	return find(t, w.Content(), func(*docList) bool { return true })
}

func previewShown(w fyne.Window) bool {
	shown := false
	walk(w.Content(), func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok && img.Image != nil && img.Image.Bounds().Dx() > 0 {
			shown = true
		}
	})
	return shown
}

// TestInbox: the scan folder set for this workstation is watched from
// sign-in; a scan dropped there reaches the inbox, where the desk splits
// it, turns a page, files one part to a patient and rejects another; a
// missing folder shows a warning; locking stops the watching.
func TestInbox(t *testing.T) {
	p := newPractice(t)
	folder, gone := t.TempDir(), filepath.Join(t.TempDir(), "share")
	if err := scan.SaveSettings(p.dir, scan.Settings{Folders: []scan.Folder{{Path: folder, Category: "insurance"}, {Path: gone}}}); err != nil {
		t.Fatal(err)
	}
	old := scanRetry
	scanRetry = 50 * time.Millisecond
	t.Cleanup(func() { scanRetry = old })
	ws, w := open(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	sc := scanners[s]
	// The header lays the warning out after it turns visible.
	waitFor(t, "the warning of the missing folder", func() bool {
		return sc.warn.Visible() && strings.Contains(strings.Join(texts(w.Content()), "\n"), "A scan folder cannot be reached")
	})
	wantText(t, w.Content(), "A scan folder cannot be reached")

	// A scan arrives under a temporary name and is renamed: taken at once.
	part := filepath.Join(folder, "scan-0007.tif.part")
	if err := os.WriteFile(part, greyTIFF(4), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(part, filepath.Join(folder, "scan-0007.tif")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the scan to reach the inbox", func() bool { return s.inbox.Text == "1 document to file" })

	test.Tap(button(t, w.Content(), "Inbox"))
	wantText(t, w.Content(), "scan-0007.tif · 4 pages")
	wantText(t, w.Content(), "The scan folder "+gone+" cannot be reached")
	inboxList(t, w).Select(0)
	if !previewShown(w) {
		t.Error("no page preview")
	}
	wantText(t, w.Content(), "Page 1 of 4")
	test.Tap(button(t, w.Content(), "Next page"))
	wantText(t, w.Content(), "Page 2 of 4")

	// Split into pages 1–3 and page 4.
	test.Tap(button(t, w.Content(), "Split…"))
	d := dialogOn(t, w)
	test.Type(find(t, d, func(e *entry) bool { return true }), "1-3, 4")
	test.Tap(button(t, d, "Split"))
	docs, _ := s.svc.Inbox()
	if len(docs) != 2 || docs[0].Pages+docs[1].Pages != 4 {
		t.Fatalf("after the split the inbox holds %+v", docs)
	}

	// Turn page 1 of the three-page part: 60×80 becomes 80×60.
	list := inboxList(t, w)
	three := 0
	if docs[1].Pages == 3 {
		three = 1
	}
	list.Select(three)
	test.Tap(button(t, w.Content(), "Turn page"))
	docs, _ = s.svc.Inbox()
	rc, _, err := s.svc.OpenDocument(docs[three].ID)
	if err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	c.ReadFrom(rc)
	rc.Close()
	if pg, err := scan.Page(c.Bytes(), 1, 500); err != nil || pg.Bounds() != image.Rect(0, 0, 80, 60) {
		t.Errorf("page 1 after turning: %v %v", pg, err)
	}

	// File it to Okafor: type-ahead, pick, category, date.
	test.Type(entryWith(t, w.Content(), "Patient: name, MRN or birth date"), "okaf")
	test.Tap(find(t, w.Content(), func(b *widget.Button) bool { return contains(b.Text, "Okafor, Chidi") }))
	wantText(t, w.Content(), "File to: Okafor, Chidi")
	test.Tap(button(t, w.Content(), "File to patient"))
	wantText(t, w.Content(), "Filed scan-0007.tif into the chart of Okafor, Chidi")
	if docs, _ = s.svc.Inbox(); len(docs) != 1 {
		t.Fatalf("%d in the inbox after filing", len(docs))
	}

	// Reject the last one, with a reason.
	inboxList(t, w).Select(0)
	test.Tap(button(t, w.Content(), "Reject…"))
	d = dialogOn(t, w)
	test.Type(find(t, d, func(e *entry) bool { return true }), "blank page")
	test.Tap(button(t, d, "Reject"))
	if docs, _ = s.svc.Inbox(); len(docs) != 0 {
		t.Fatalf("%d in the inbox after rejecting", len(docs))
	}
	wantText(t, w.Content(), "Nothing to file.")
	wantText(t, w.Content(), "0 documents to file")

	// The missing folder appears (the share is back): the warning goes.
	if err := os.Mkdir(gone, 0o700); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the warning to go", func() bool { return !sc.warn.Visible() })

	// Locking stops the engine: a file dropped now stays in the folder.
	shortcut(w, shortcutLock)
	if ws.sess != nil || scanners[s] != nil || sc.eng != nil {
		t.Fatal("the scan engine still runs after locking")
	}
	late := filepath.Join(folder, "late.tif")
	if err := os.WriteFile(late+".part", greyTIFF(1), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Rename(late+".part", late)
	if _, err := os.Stat(late); err != nil {
		t.Error("a file was taken while locked")
	}
}

// TestInboxRoles: a coder has no inbox, and a front desk user has no scan
// folder settings.
func TestInboxRoles(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "coder", testPassword)
	s := sessionOf(t, ws)
	if hasButton(w.Content(), "Inbox") {
		t.Error("the coder is offered the inbox")
	}
	s.showInbox()
	if top := w.Canvas().Overlays().Top(); top == nil {
		t.Error("the coder was not refused the inbox")
	}
	if _, err := s.svc.Inbox(); err == nil {
		t.Error("the service lists the inbox to a coder")
	}
	if scanners[s] != nil {
		t.Error("a scan engine runs for the coder")
	}
	shortcut(w, shortcutLock)

	signInAs(t, w, "desk", testPassword)
	sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Inbox"))
	if hasButton(w.Content(), "Scan folders") {
		t.Error("front desk is offered the scan folder settings")
	}
	wantText(t, w.Content(), "Nothing to file.")
}

// TestFolderSettingsScreen: the HIM manager adds a folder with an archive
// and saves; the settings file holds it and the engine watches it.
func TestFolderSettingsScreen(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Inbox"))
	test.Tap(button(t, w.Content(), "Scan folders"))
	folder, archive := t.TempDir(), t.TempDir()
	test.Type(entryWith(t, w.Content(), "Folder, e.g. /srv/scans/desk"), folder)
	find(t, w.Content(), func(sel *widget.Select) bool { return sel.Selected == afterDelete }).SetSelected(afterArchive)
	find(t, w.Content(), func(sel *widget.Select) bool { return sel.PlaceHolder == "Default category" }).SetSelected("Laboratory result")
	test.Tap(button(t, w.Content(), "Save scan folders"))
	wantText(t, w.Content(), "give the archive folder")
	test.Type(entryWith(t, w.Content(), "Archive folder"), archive)
	test.Tap(button(t, w.Content(), "Save scan folders"))
	wantText(t, w.Content(), "Saved: 1 scan folder. Files in it")
	set, err := scan.LoadSettings(p.dir)
	if err != nil || len(set.Folders) != 1 || set.Folders[0] != (scan.Folder{Path: folder, Category: "lab", Archive: archive}) {
		t.Fatalf("%+v %v", set, err)
	}
	if fi, err := os.Stat(filepath.Join(p.dir, scan.SettingsFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("settings file %v %v", fi, err)
	}
	// The engine now watches the folder: a scan is taken and archived.
	if err := os.WriteFile(filepath.Join(folder, "x.tif.part"), greyTIFF(1), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(folder, "x.tif.part"), filepath.Join(folder, "x.tif"))
	waitFor(t, "the scan to be archived", func() bool {
		_, err := os.Stat(filepath.Join(archive, "x.tif"))
		return err == nil
	})
	docs, _ := s.svc.Inbox()
	if len(docs) != 1 || docs[0].Category != "lab" {
		t.Errorf("%+v", docs)
	}
}

// TestRejectedScreen: what the desk rejected, the HIM manager sees with
// its reason and can send back to the inbox.
func TestRejectedScreen(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	d, err := s.svc.AddDocument(bytes.NewReader(greyTIFF(1)), chart.Document{ContentType: "image/tiff", Pages: 1, Source: "blank.tif"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.RejectDocument(d.ID, "blank page"); err != nil {
		t.Fatal(err)
	}
	shortcut(w, shortcutLock)
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Inbox"))
	test.Tap(button(t, w.Content(), "Rejected documents"))
	wantText(t, w.Content(), "blank.tif · 1 page")
	wantText(t, w.Content(), "by desk: blank page")
	test.Tap(button(t, w.Content(), "Return to inbox"))
	wantText(t, w.Content(), "No document has been rejected.")
	if docs, _ := s.svc.Inbox(); len(docs) != 1 || docs[0].Source != "blank.tif" {
		t.Errorf("%+v", docs)
	}
}

// TestFolderSettingsFromAdministration: the practice settings lead to this
// workstation's scan folders too.
func TestFolderSettingsFromAdministration(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	s.adm.tabs.SelectIndex(adminSettings)
	test.Tap(button(t, s.adm.panes[adminSettings], "Scan folders…"))
	wantText(t, w.Content(), "Scan folders")
	entryWith(t, w.Content(), "Folder, e.g. /srv/scans/desk")
}

// TestInboxViewerNextAndEnter: the inbox previews a scan with the
// document viewer, large and zoomable; Enter in the patient field files
// to the one patient matching, and the next document opens at once;
// leaving a filing form with changes asks first.
func TestInboxViewerNextAndEnter(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	w.Resize(fyne.NewSize(1024, 700))
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	for i, name := range []string{"first.pdf", "second.pdf"} {
		if _, err := s.svc.AddDocument(bytes.NewReader(scannedPDF(t, i+1)), chart.Document{ContentType: "application/pdf", Pages: i + 1, Source: name}); err != nil {
			t.Fatal(err)
		}
	}
	s.refreshInbox()
	test.Tap(button(t, w.Content(), "Inbox"))
	inboxList(t, w).Select(0)
	v := s.inboxv.view
	if v == nil || s.viewer != v {
		t.Fatal("the inbox shows no viewer")
	}
	img, pic := pageImage(t, v)
	if share := darkShare(pic); share < 0.03 {
		t.Errorf("the preview is %.1f%% dark: blank", share*100)
	}
	// Large enough to read: the page takes the pane's width, 40% of the
	// window's at 1024 px (zoom gives more).
	if wd := img.MinSize().Width; wd < 400 {
		t.Errorf("the preview is %.0f wide in a 1024 px window", wd)
	}
	fit := img.MinSize().Width
	shortcut(w, shortcutZoomIn)
	if z := img.MinSize().Width; z < fit*1.2 {
		t.Errorf("Ctrl+plus left the preview %.0f wide (fitted %.0f)", z, fit)
	}
	if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
		t.Errorf("the inbox with a zoomed preview needs %.0f×%.0f", m.Width, m.Height)
	}

	// Page Down in the patient field turns the page.
	who := entryWith(t, w.Content(), "Patient: name, MRN or birth date")
	who.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	if v.page != 1 { // first.pdf has one page
		t.Errorf("Page Down left the one-page document at page %d", v.page)
	}

	// A note typed, then Escape: asked; Keep editing keeps it.
	note := entryWith(t, w.Content(), "Note (optional)")
	test.Type(note, "from the hospital")
	note.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	d := dialogOn(t, w)
	wantText(t, d, "Discard your changes to the filing of first.pdf?")
	test.Tap(button(t, d, "Keep editing"))
	if note.Text != "from the hospital" {
		t.Errorf("Keep editing lost the note: %q", note.Text)
	}
	// Choosing the other document asks too.
	inboxList(t, w).Select(1)
	d = dialogOn(t, w)
	test.Tap(button(t, d, "Keep editing"))
	wantText(t, w.Content(), "first.pdf · 1 page")

	// Enter without a patient: said under the patient field.
	find(t, w.Content(), func(sel *widget.Select) bool { return sel.PlaceHolder == "Category" }).SetSelected("Insurance")
	who.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "Choose the patient")
	// One patient matches: Enter files to them and opens the next document.
	test.Type(who, "Okafor")
	who.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "Filed first.pdf into the chart of Okafor, Chidi.")
	wantText(t, w.Content(), "second.pdf · 2 pages")
	if s.inboxv.view == nil || s.inboxv.view == v {
		t.Fatal("the next document did not open in the viewer")
	}
	if _, pic := pageImage(t, s.inboxv.view); darkShare(pic) < 0.03 {
		t.Error("the next document's preview is blank")
	}
	// Page Down from the patient field turns its pages.
	entryWith(t, w.Content(), "Patient: name, MRN or birth date").TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	wantText(t, w.Content(), "Page 2 of 2")
	c, err := s.svc.OpenChart(p.patient.ID)
	if err != nil || len(c.Documents) != 1 || c.Documents[0].Source != "first.pdf" || c.Documents[0].Note != "from the hospital" {
		t.Fatalf("the chart holds %+v, %v", c.Documents, err)
	}
	// The new form is untouched: leaving it asks nothing.
	s.openChart(p.patient.ID)
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Error("leaving an untouched filing form asked")
	}

	// Signing out with a note typed asks; Discard signs out.
	test.Tap(button(t, w.Content(), "Inbox"))
	inboxList(t, w).Select(0)
	test.Type(entryWith(t, w.Content(), "Note (optional)"), "two pages")
	s.signOut()
	d = dialogOn(t, w)
	wantText(t, d, "Discard your changes to the filing of second.pdf?")
	test.Tap(button(t, d, "Discard"))
	if ws.sess != nil {
		t.Error("Discard did not sign out")
	}
}
