package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// The watched-folder engine runs while a user who may take in documents
// (front desk, clinician, HIM manager) is signed in: it starts with the
// session's header and stops when the session ends (lock, sign-out,
// closing the window), before the key is wiped. Its folders are this
// workstation's own (scan.LoadSettings in the data folder); HIM managers
// edit them on the scan folders screen, reached from the inbox.

// scanner is a session's running engine and what it reports.
type scanner struct {
	s      *session
	eng    *scan.Engine
	cancel context.CancelFunc
	done   chan struct{}
	warn   *widget.Label // in the header: folders that cannot be reached
	err    string        // why the engine could not start
	// onChange, when set, is called on the UI goroutine after every event
	// (the inbox screen refreshes itself).
	onChange func()
}

// scanners holds each session's scanner; touched on the UI goroutine only.
var scanners = map[*session]*scanner{}

// scanSettle is how long a file must stay unchanged before it is taken;
// scanRetry how often a folder that went away is looked for.
var (
	scanSettle = scan.DefaultSettle
	scanRetry  = scan.DefaultRetry
)

// scanHeader starts the session's scanner and returns what the header
// shows of it: the button to the inbox and the warning of folders gone.
func (s *session) scanHeader() []fyne.CanvasObject {
	if !chart.Allowed(s.user.Role, chart.FileDocuments) {
		return nil
	}
	stopScan(s) // the header is being built again
	sc := &scanner{s: s, warn: &widget.Label{Importance: widget.WarningImportance, Wrapping: fyne.TextWrapOff}}
	sc.warn.Hide()
	scanners[s] = sc
	sc.start()
	return []fyne.CanvasObject{&widget.Button{Text: lang.L("Inbox"), Icon: theme.DocumentIcon(), OnTapped: s.showInbox}, sc.warn}
}

// scannerOf is the session's scanner (nil for roles without intake).
func (s *session) scannerOf() *scanner { return scanners[s] }

// start reads the folder settings and runs the engine on them.
func (sc *scanner) start() {
	sc.err = ""
	set, err := scan.LoadSettings(sc.s.ws.dir)
	if err != nil {
		sc.err = sentence(err)
		sc.show()
		return
	}
	if len(set.Folders) == 0 {
		sc.show()
		return
	}
	eng, err := scan.NewEngine(scan.NewIntake(sc.s.svc), scan.Config{
		Folders: set.Folders,
		Settle:  scanSettle,
		Retry:   scanRetry,
		OnEvent: func(scan.Event) { fyne.Do(sc.changed) },
	})
	if err != nil {
		sc.err = sentence(err)
		sc.show()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc.eng, sc.cancel, sc.done = eng, cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		if err := eng.Run(ctx); err != nil {
			fyne.Do(func() { sc.err = sentence(err); sc.show() })
		}
	}(sc.done)
	sc.show()
}

// stop ends the engine and waits for it (a file being taken is finished).
func (sc *scanner) stop() {
	if sc.cancel != nil {
		sc.cancel()
		<-sc.done
	}
	sc.eng, sc.cancel, sc.done = nil, nil, nil
}

// stopScan stops the session's scanner; the session is ending.
func stopScan(s *session) {
	if sc := scanners[s]; sc != nil {
		sc.stop()
		delete(scanners, s)
	}
}

func (sc *scanner) changed() {
	if sc.s.ws.sess != sc.s {
		return
	}
	sc.show()
	sc.s.refreshInbox()
	if sc.onChange != nil {
		sc.onChange()
	}
}

// warnings are the folders that cannot be reached, and why the engine
// does not run, in words for the desk.
func (sc *scanner) warnings() []string {
	var out []string
	if sc.err != "" {
		out = append(out, fmt.Sprintf(lang.L("Scanned documents are not being taken in: %s"), sc.err))
	}
	if sc.eng != nil {
		for _, f := range sc.eng.Folders() {
			if !f.OK && f.Warning != "" {
				out = append(out, scanText(f.WarningText, f.Warning))
			}
		}
	}
	return out
}

// scanText is a sentence of scan's (why a file was left in its folder, a
// folder's warning, a note intake wrote) in the workstation's language:
// its English key translated and its values put in as they are (a value
// that is itself a whole sentence of scan's is translated too). english
// is shown when t is empty.
func scanText(t scan.Text, english string) string {
	switch {
	case t.Key == "":
		return english
	case t.Raw():
		return t.String()
	case len(t.Args) == 0:
		return lang.L(t.Key)
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		if x, ok := a.(scan.Text); ok {
			a = scanText(x, x.String())
		}
		args[i] = a
	}
	return fmt.Sprintf(lang.L(t.Key), args...)
}

// noteShown is a document's note in the workstation's language when it
// is made of the sentences intake writes, else as stored (someone typed
// it). The store keeps intake's English: the note reads in whatever
// language the workstation speaks when it is shown.
func noteShown(note string) string {
	texts, ok := scan.NoteTexts(note)
	if !ok {
		return note
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = scanText(t, t.String())
	}
	return strings.Join(out, " ")
}

// show updates the header's warning.
func (sc *scanner) show() {
	defer sc.s.bar.refresh() // the warning may come or go
	w := sc.warnings()
	switch len(w) {
	case 0:
		sc.warn.Hide()
		return
	case 1:
		sc.warn.SetText(lang.L("⚠ A scan folder cannot be reached"))
	default:
		sc.warn.SetText(fmt.Sprintf(lang.L("⚠ %d scan folders cannot be reached"), len(w)))
	}
	if sc.err != "" {
		sc.warn.SetText(lang.L("⚠ Scans are not being taken in"))
	}
	sc.warn.Show()
}

// problems lists the files left in the folders, with their reasons.
func (sc *scanner) problems() []scan.Problem {
	if sc == nil || sc.eng == nil {
		return nil
	}
	return sc.eng.Problems()
}

// restart runs the engine again with the saved settings.
func (sc *scanner) restart() {
	sc.stop()
	sc.start()
}

// folderSettings is the HIM manager's screen of this workstation's
// watched folders: one row per folder with its default category and what
// happens to originals after import.
type folderSettings struct {
	s    *session
	rows []*folderRow
	box  *fyne.Container
	msg  *widget.Label
	t    *tracker // unsaved changes; nil while the screen is built
}

// changed tells the tracker the folders were edited.
func (fs *folderSettings) changed() {
	if fs.t != nil {
		fs.t.changed()
	}
}

type folderRow struct {
	path, archive, rule *entry
	category, after     *widget.Select
	o                   fyne.CanvasObject
}

// The choices of what happens to an original after import, as stored in
// the select's English; afterTitle shows them.
const (
	afterDelete  = "Delete the original"          // i18n:skip
	afterArchive = "Move it to an archive folder" // i18n:skip
)

// afterTitle is an after-import choice in the workstation's language.
func afterTitle(choice string) string {
	switch choice {
	case afterDelete:
		return lang.L("Delete the original")
	case afterArchive:
		return lang.L("Move it to an archive folder")
	}
	return choice
}

// showFolderSettings shows the scan folder screen (HIM managers).
func (s *session) showFolderSettings() {
	if !chart.Allowed(s.user.Role, chart.Administer) {
		return
	}
	s.touch()
	if s.asked(s.showFolderSettings) {
		return
	}
	s.chart, s.adm = nil, nil
	fs := &folderSettings{s: s, box: container.NewVBox(), msg: &widget.Label{Wrapping: fyne.TextWrapWord}}
	set, err := scan.LoadSettings(s.ws.dir)
	if err != nil {
		fs.msg.SetText(sentence(err))
	}
	for _, f := range set.Folders {
		fs.add(f)
	}
	if len(set.Folders) == 0 {
		fs.add(scan.Folder{})
	}
	// The folders as a whole are the form's one value: any edit, added or
	// removed folder makes it differ from what is saved.
	t := newSettingsTracker(s, lang.L("the scan folders"))
	t.value("folders", func() string { return fmt.Sprintf("%q", fs.settings()) }, nil)
	t.save = func() error {
		err := fs.store()
		if err != nil {
			fs.msg.SetText(err.Error())
		}
		return err
	}
	fs.t = t
	back := func() { s.touch(); s.leave(s.showInbox) }
	for _, r := range fs.rows {
		for _, e := range []*entry{r.path, r.archive, r.rule} {
			e.onEscape = back
		}
	}
	intro := paragraph(lang.L("Scanners on this workstation drop their files into these folders. Each file is taken into the store and then deleted, or moved to an archive folder. The folders belong to this workstation: they are not synced and not in backups."))
	buttons := container.NewHBox(
		&widget.Button{Text: lang.L("Add a folder"), Icon: theme.ContentAddIcon(), OnTapped: func() { fs.add(scan.Folder{}) }},
		&widget.Button{Text: lang.L("Save scan folders"), Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: fs.save},
		&widget.Button{Text: lang.L("Back to the inbox"), OnTapped: back},
	)
	top := container.NewVBox(heading(lang.L("Scan folders")), intro, fs.msg)
	s.showDetail(container.NewBorder(top, buttons, nil, nil, container.NewVScroll(fs.box)))
}

func categoryTitles() []string {
	out := []string{lang.L("(none)")}
	for _, c := range chart.Categories {
		out = append(out, categoryShown(c))
	}
	return out
}

func categoryTitle(name string) string {
	if c, ok := chart.CategoryByName(name); ok {
		return categoryShown(c)
	}
	return lang.L("(none)")
}

func categoryName(title string) string {
	for _, c := range chart.Categories {
		if categoryShown(c) == title {
			return c.Name
		}
	}
	return ""
}

// categoryShown is a document category's title in the workstation's
// language (chart.Category.Title is the English one).
func categoryShown(c chart.Category) string {
	switch c.Name {
	case "identity":
		return lang.L("Identity document")
	case "insurance":
		return lang.L("Insurance")
	case "consent":
		return lang.L("Consent form")
	case "correspondence":
		return lang.L("Administrative correspondence")
	case "referral":
		return lang.L("Referral")
	case "lab":
		return lang.L("Laboratory result")
	case "imaging":
		return lang.L("Imaging report")
	case "letter":
		return lang.L("Clinical letter")
	case "prescription":
		return lang.L("Prescription")
	case "clinical":
		return lang.L("Other clinical")
	}
	return c.Title
}

func (fs *folderSettings) add(f scan.Folder) {
	r := &folderRow{path: newEntry(lang.L("Folder, e.g. /srv/scans/desk")), archive: newEntry(lang.L("Archive folder")), rule: newEntry(lang.L("File name rule (optional), e.g. {mrn}_*.pdf"))}
	r.path.SetText(f.Path)
	r.archive.SetText(f.Archive)
	r.rule.SetText(f.Rule)
	r.category = &widget.Select{Options: categoryTitles(), PlaceHolder: lang.L("Default category")}
	r.category.SetSelected(categoryTitle(f.Category))
	r.after = &widget.Select{Options: []string{afterTitle(afterDelete), afterTitle(afterArchive)}, OnChanged: func(v string) {
		if v == afterTitle(afterArchive) {
			r.archive.Show()
		} else {
			r.archive.Hide()
		}
	}}
	if f.Archive != "" {
		r.after.SetSelected(afterTitle(afterArchive))
	} else {
		r.after.SetSelected(afterTitle(afterDelete))
	}
	for _, e := range []*entry{r.path, r.archive, r.rule} {
		e.OnChanged = func(string) { fs.changed() }
		e.onActivity = fs.s.touch
		if fs.t != nil {
			e.onEscape = func() { fs.s.touch(); fs.s.leave(fs.s.showInbox) }
		}
	}
	r.category.OnChanged = func(string) { fs.changed() }
	after := r.after.OnChanged
	r.after.OnChanged = func(v string) { after(v); fs.changed() }
	remove := &widget.Button{Text: lang.L("Remove"), Icon: theme.DeleteIcon()}
	r.o = container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(lang.L("Folder"), r.path),
			widget.NewFormItem(lang.L("Default category"), r.category),
			widget.NewFormItem(lang.L("After import"), r.after),
			widget.NewFormItem("", r.archive),
			widget.NewFormItem(lang.L("Name rule"), r.rule),
		),
		container.NewHBox(remove), widget.NewSeparator())
	remove.OnTapped = func() {
		for i, x := range fs.rows {
			if x == r {
				fs.rows = append(fs.rows[:i], fs.rows[i+1:]...)
			}
		}
		fs.box.Remove(r.o)
		fs.changed()
	}
	fs.rows = append(fs.rows, r)
	fs.box.Add(r.o)
	fs.changed()
}

// settings reads the rows; empty rows are left out.
func (fs *folderSettings) settings() scan.Settings {
	var set scan.Settings
	for _, r := range fs.rows {
		p := strings.TrimSpace(r.path.Text)
		if p == "" {
			continue
		}
		f := scan.Folder{Path: p, Category: categoryName(r.category.Selected), Rule: strings.TrimSpace(r.rule.Text)}
		if r.after.Selected == afterTitle(afterArchive) {
			f.Archive = strings.TrimSpace(r.archive.Text)
			if f.Archive == "" {
				f.Archive = "-" // refused below with a clear message
			}
		}
		set.Folders = append(set.Folders, f)
	}
	return set
}

func (fs *folderSettings) save() {
	fs.s.touch()
	if fs.t.Save() != nil {
		return // the screen says why
	}
	fs.t.rebase()
	set := fs.settings()
	if len(set.Folders) == 1 {
		fs.msg.SetText(lang.L("Saved: 1 scan folder. Files in it are taken in now."))
	} else {
		fs.msg.SetText(fmt.Sprintf(lang.L("Saved: %d scan folders. Files in them are taken in now."), len(set.Folders)))
	}
}

// store saves the folders and restarts the watching; the error is a
// sentence to show.
func (fs *folderSettings) store() error {
	set := fs.settings()
	for _, f := range set.Folders {
		if f.Archive == "-" {
			return fmt.Errorf(lang.L("%s: give the archive folder, or choose to delete originals."), f.Path)
		}
	}
	if err := scan.SaveSettings(fs.s.ws.dir, set); err != nil {
		return fmt.Errorf(lang.L("Not saved. %s"), sentence(err))
	}
	if sc := fs.s.scannerOf(); sc != nil {
		sc.restart()
	}
	return nil
}
