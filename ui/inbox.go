package ui

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// inboxView is the inbox screen: the documents waiting to be filed, the
// files left in the scan folders ("problems"), and for the chosen
// document the document viewer (viewer.go) and the filing form: patient
// (type-ahead), category, clinical date and note; split, turn and reject.
// Content is read once per chosen document (one audited view) and held in
// memory only; pages are drawn off the UI goroutine. The filing form has
// a tracker (drafts.go) that keeps no draft: leaving it with changes asks
// first.
type inboxView struct {
	s    *session
	docs []chart.Document
	list *docList
	sel  int // index into docs, -1 for none

	content []byte // the chosen document's content
	view    *docViewer
	slot    *fyne.Container // holds the viewer
	title   *widget.Label
	filed   string // what the last filing did, shown over the next document

	who      *entry
	matches  *fyne.Container
	found    []chart.PatientSummary // the patients offered for what was typed
	patient  chart.PatientSummary
	chosen   *widget.Label
	category *widget.Select
	date     *entry
	note     *entry
	msg      *widget.Label // the filing form's general message
	fields   *form
	t        *tracker
	right    *fyne.Container
	problems *widget.Label
}

// showInbox shows the inbox in the detail pane.
func (s *session) showInbox() {
	s.touch()
	if !chart.Allowed(s.user.Role, chart.FileDocuments) {
		showError(s.ws.win, lang.L("The inbox cannot be opened"), &chart.PermissionError{Role: s.user.Role, Action: chart.FileDocuments})
		return
	}
	if s.asked(s.showInbox) {
		return
	}
	s.chart, s.adm = nil, nil
	v := &inboxView{s: s, sel: -1}
	if sc := s.scannerOf(); sc != nil {
		sc.onChange = func() {
			if v.list != nil && v.s.detail != nil {
				v.reload()
			}
		}
	}
	s.inboxv = v
	s.showDetail(v.build())
	s.find.show(false)
	v.reload()
}

func (v *inboxView) build() fyne.CanvasObject {
	v.list = &docList{}
	v.list.Length = func() int { return len(v.docs) }
	v.list.CreateItem = func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} }
	v.list.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(docLine(v.docs[i])) }
	v.list.OnSelected = v.choose
	v.list.ExtendBaseWidget(v.list)
	v.problems = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance}
	top := []fyne.CanvasObject{heading(lang.L("Inbox: documents to file"))}
	if chart.Allowed(v.s.user.Role, chart.Administer) {
		top = append(top, container.New(layout.NewRowWrapLayout(),
			&widget.Button{Text: lang.L("Scan folders"), Icon: theme.SettingsIcon(), OnTapped: v.s.showFolderSettings},
			&widget.Button{Text: lang.L("Rejected documents"), Icon: theme.HistoryIcon(), OnTapped: v.showRejected},
		))
	}
	top = append(top, v.problems)
	left := container.NewBorder(container.NewVBox(top...), nil, nil, nil, v.list)
	v.right = container.NewStack(paragraph(lang.L("Choose a document on the left.")))
	// The document's pages get most of the width.
	split := container.NewHSplit(left, v.right)
	split.Offset = 0.22
	return split
}

// docList is the list of inbox documents.
type docList struct{ widget.List }

// docLine is one inbox row: source file, pages, time received, note.
func docLine(d chart.Document) string {
	src := d.Source
	if src == "" {
		src = lang.L("(no file name)")
	}
	pages := lang.L("1 page")
	if d.Pages != 1 {
		pages = fmt.Sprintf(lang.L("%d pages"), d.Pages)
	}
	line := fmt.Sprintf(lang.L("%s · %s · received %s"), src, pages, showWhen(d.Received))
	if d.Note != "" {
		line += " · " + noteShown(d.Note)
	}
	return line
}

// reload reads the inbox and the problems again.
func (v *inboxView) reload() {
	docs, err := v.s.svc.Inbox()
	if err != nil {
		showError(v.s.ws.win, lang.L("The inbox could not be read"), err)
		return
	}
	keep := ""
	if v.sel >= 0 && v.sel < len(v.docs) {
		keep = v.docs[v.sel].ID
	}
	v.docs = docs
	v.sel = -1
	cb := v.list.OnSelected
	v.list.OnSelected = nil // the chosen document stays as it is shown
	v.list.UnselectAll()
	for i, d := range docs {
		if d.ID == keep {
			v.sel = i
			v.list.Select(i)
		}
	}
	v.list.OnSelected = cb
	v.list.Refresh()
	if v.sel < 0 {
		if v.t != nil && v.s.form == v.t {
			v.t.drop() // the document is gone
		}
		if v.s.viewer == v.view {
			v.s.viewer = nil
		}
		v.content, v.view = nil, nil
		v.right.Objects = []fyne.CanvasObject{paragraph(v.emptyText())}
		v.right.Refresh()
	}
	var lines []string
	sc := v.s.scannerOf()
	if sc != nil {
		lines = append(lines, sc.warnings()...)
		for _, p := range sc.problems() {
			lines = append(lines, fmt.Sprintf(lang.L("Left in the folder: %s: %s"), p.Path, scanText(p.ReasonText, p.Reason)))
		}
	}
	v.problems.SetText(strings.Join(lines, "\n"))
	if len(lines) == 0 {
		v.problems.Hide()
	} else {
		v.problems.Show()
	}
	v.s.refreshInbox()
}

func (v *inboxView) emptyText() string {
	if len(v.docs) == 0 {
		return lang.L("Nothing to file.")
	}
	return lang.L("Choose a document on the left.")
}

// choose shows document i, asking first when the filing form holds
// changes.
func (v *inboxView) choose(i widget.ListItemID) {
	v.s.touch()
	if i < 0 || i >= len(v.docs) {
		return
	}
	id := v.docs[i].ID
	if v.s.form != nil && v.s.form == v.t && v.sel != i && v.t.Dirty() {
		// The list shows the document of the form until the question is
		// answered.
		v.selectQuietly(v.sel)
		v.s.leave(func() { v.open(v.indexOf(id)) })
		return
	}
	v.open(i)
}

// indexOf is the index of the document with id, -1 when it is gone.
func (v *inboxView) indexOf(id string) int {
	for i, d := range v.docs {
		if d.ID == id {
			return i
		}
	}
	return -1
}

// selectQuietly selects row i of the list (none for -1) without opening it.
func (v *inboxView) selectQuietly(i int) {
	cb := v.list.OnSelected
	v.list.OnSelected = nil
	if i < 0 {
		v.list.UnselectAll()
	} else {
		v.list.Select(i)
	}
	v.list.OnSelected = cb
}

// open shows document i: reads its content, shows its first page and an
// empty filing form.
func (v *inboxView) open(i int) {
	if i < 0 || i >= len(v.docs) {
		v.closeDocument()
		return
	}
	v.selectQuietly(i)
	v.sel = i
	d := v.docs[i]
	content, err := v.read(d)
	if err != nil {
		return
	}
	v.content = content
	v.right.Objects = []fyne.CanvasObject{v.detail(d)}
	v.right.Refresh()
}

// read reads a document's content (one audited view).
func (v *inboxView) read(d chart.Document) ([]byte, error) {
	rc, _, err := v.s.svc.OpenDocument(d.ID)
	if err != nil {
		showError(v.s.ws.win, lang.L("The document could not be opened"), err)
		return nil, err
	}
	content, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		showError(v.s.ws.win, lang.L("The document could not be read"), err)
	}
	return content, err
}

// closeDocument shows no document.
func (v *inboxView) closeDocument() {
	if v.t != nil {
		v.t.drop()
	}
	if v.s.viewer == v.view {
		v.s.viewer = nil
	}
	v.sel, v.content, v.view = -1, nil, nil
	v.selectQuietly(-1)
	text := v.emptyText()
	if v.filed != "" {
		text = v.filed + " " + text
		v.filed = ""
	}
	v.right.Objects = []fyne.CanvasObject{paragraph(text)}
	v.right.Refresh()
}

// inboxName is the file name a saved copy of an inbox document is
// offered under.
func inboxName(d chart.Document) string {
	if d.Source != "" {
		return d.Source
	}
	return "document" + extensionOf(d.ContentType)
}

func (v *inboxView) detail(d chart.Document) fyne.CanvasObject {
	v.title = &widget.Label{Text: docLine(d), Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	v.view = newViewer(v.s, v.content, d.Pages, inboxName(d), false)
	v.slot = container.NewStack(v.view.view())
	turns := container.New(layout.NewRowWrapLayout(),
		&widget.Button{Text: lang.L("Turn page"), Icon: theme.ViewRefreshIcon(), OnTapped: func() { v.rotate(false) }},
		&widget.Button{Text: lang.L("Turn all pages"), OnTapped: func() { v.rotate(true) }},
	)
	v.who = newEntry(lang.L("Patient: name, MRN or birth date"))
	v.who.OnChanged = v.search
	v.who.OnSubmitted = func(string) { v.enter() }
	v.who.onActivity = v.s.touch
	v.matches = container.NewVBox()
	v.found = nil
	v.chosen = &widget.Label{Text: lang.L("No patient chosen.")}
	v.patient = chart.PatientSummary{}
	v.category = &widget.Select{Options: categoryTitles()[1:], PlaceHolder: lang.L("Category")}
	if d.Category != "" {
		v.category.SetSelected(categoryTitle(d.Category))
	}
	v.date = newEntry(lang.L("Clinical date, YYYY-MM-DD"))
	v.date.SetText(now().Format("2006-01-02"))
	v.date.OnSubmitted = func(string) { v.file() }
	v.note = newEntry(lang.L("Note (optional)"))
	v.note.SetText(noteShown(d.Note))
	v.note.OnSubmitted = func(string) { v.file() }
	for _, e := range []*entry{v.who, v.date, v.note} {
		e.onEscape = v.escape
		e.onActivity = v.s.touch
		e.onPage = func(k *fyne.KeyEvent) {
			if v.view != nil {
				v.view.typedKey(k)
			}
		}
	}
	v.fields = newForm()
	v.fields.add(lang.L("Patient"), "patient", container.NewVBox(v.who, v.matches, v.chosen))
	v.fields.add(lang.L("Category"), "category", v.category)
	v.fields.add(lang.L("Clinical date"), "clinical date", v.date) // i18n:skip
	v.fields.add(lang.L("Note"), "note", v.note)
	v.msg = v.fields.general
	v.t = newTracker(v.s, draftKey("inbox", "", d.ID), fmt.Sprintf(lang.L("the filing of %s"), inboxName(d)), "")
	v.t.noDraft = true
	v.t.entry("who", v.who)
	v.t.value("patient", func() string { return v.patient.ID }, func(string) {})
	v.t.choice("category", v.category)
	v.t.entry("date", v.date)
	v.t.entry("note", v.note)
	v.t.save = v.fileIt
	v.t.start()
	// The buttons stay in sight below the fields, which scroll.
	buttons := container.New(layout.NewRowWrapLayout(),
		&widget.Button{Text: lang.L("File to patient"), Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: v.file},
		&widget.Button{Text: lang.L("Split…"), Icon: theme.ContentCutIcon(), OnTapped: v.split},
		&widget.Button{Text: lang.L("Reject…"), Icon: theme.CancelIcon(), OnTapped: v.reject},
	)
	form := container.NewBorder(nil, buttons, nil, nil, container.NewVScroll(v.fields.content()))
	top := []fyne.CanvasObject{v.title}
	if v.filed != "" {
		top = append([]fyne.CanvasObject{&widget.Label{Text: v.filed, Wrapping: fyne.TextWrapWord, Importance: widget.SuccessImportance}}, top...)
		v.filed = ""
	}
	// The viewer takes the pane's space over the filing form; each
	// scrolls, and the divider gives either more room.
	split := container.NewVSplit(container.NewBorder(nil, turns, nil, nil, v.slot), form)
	split.Offset = 0.6
	return container.NewBorder(container.NewVBox(top...), nil, nil, nil, split)
}

// escape leaves the document, asking first when the form holds changes.
func (v *inboxView) escape() {
	v.s.touch()
	v.s.leave(v.closeDocument)
}

// search offers the first patients matching what was typed.
func (v *inboxView) search(q string) {
	v.s.touch()
	v.matches.RemoveAll()
	v.found = nil
	if strings.TrimSpace(q) == "" {
		return
	}
	found, err := v.s.svc.FindAs(q, 6, dateOrder())
	if err != nil {
		setError(v.msg, sentence(err))
		return
	}
	v.found = found
	for _, p := range found {
		v.matches.Add(&widget.Button{Text: patientLine(p), Alignment: widget.ButtonAlignLeading, OnTapped: func() { v.pick(p) }})
	}
	if len(found) == 0 {
		v.matches.Add(&widget.Label{Text: lang.L("No patient matches.")})
	}
}

// pick chooses the patient to file to.
func (v *inboxView) pick(p chart.PatientSummary) {
	v.patient = p
	v.chosen.SetText(fmt.Sprintf(lang.L("File to: %s"), patientLine(p)))
	v.matches.RemoveAll()
	v.found = nil
	setError(v.fields.errs["patient"], "")
	v.t.changed()
}

// enter is Enter in the patient field: with exactly one patient matching
// what was typed, it files to that patient; with a patient chosen, it
// files.
func (v *inboxView) enter() {
	v.s.touch()
	switch {
	case len(v.found) == 1:
		v.pick(v.found[0])
	case len(v.found) > 1:
		v.fields.clear()
		setError(v.fields.errs["patient"], fmt.Sprintf(lang.L("%d patients match; pick one, or type more of the name, the MRN or the birth date."), len(v.found)))
		return
	}
	v.file()
}

func patientLine(p chart.PatientSummary) string {
	return ordered(fmt.Sprintf(lang.L("%s · MRN %s · born %s"), p.Name(), p.MRN, showDate(p.DOB)))
}

func (v *inboxView) current() (chart.Document, bool) {
	if v.sel < 0 || v.sel >= len(v.docs) {
		return chart.Document{}, false
	}
	return v.docs[v.sel], true
}

// file files the chosen document to the chosen patient, then opens the
// next document.
func (v *inboxView) file() {
	v.s.touch()
	if _, ok := v.current(); !ok {
		return
	}
	v.t.Save()
}

// fileIt is the filing form's save: field errors appear under their
// fields; once filed, the next document opens.
func (v *inboxView) fileIt() error {
	d, ok := v.current()
	if !ok {
		return errors.New("no document is chosen") // i18n:skip
	}
	if v.patient.ID == "" {
		v.fields.clear()
		setError(v.fields.errs["patient"], lang.L("Choose the patient: type a name, MRN or birth date and pick one."))
		return errors.New("no patient is chosen") // i18n:skip
	}
	note := strings.TrimSpace(v.note.Text)
	if note == noteShown(d.Note) {
		note = d.Note // intake's note as it was written, not its translation
	}
	_, err := v.s.svc.FileDocument(d.ID, v.patient.ID, categoryName(v.category.Selected), entryDate(v.date.Text), note)
	if err != nil {
		v.fields.show(err)
		return err
	}
	at := v.sel
	v.t.saved = true
	v.t.drop()
	v.filed = fmt.Sprintf(lang.L("Filed %s into the chart of %s."), d.Source, v.patient.Name())
	if d.Source == "" {
		v.filed = fmt.Sprintf(lang.L("Filed the document into the chart of %s."), v.patient.Name())
	}
	v.sel = -1
	v.reload()
	if len(v.docs) == 0 {
		v.closeDocument()
		return nil
	}
	v.open(min(at, len(v.docs)-1))
	return nil
}

// parseRanges reads "1-2, 3, 4-5".
func parseRanges(s string) ([]chart.PageRange, error) {
	var out []chart.PageRange
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		a, b, dash := strings.Cut(part, "-")
		if !dash {
			a, b, dash = strings.Cut(part, "–")
		}
		first, err1 := strconv.Atoi(a)
		last := first
		var err2 error
		if dash {
			last, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf(lang.L("%q is not a page or page range; write the parts like 1-2, 3, 4-5"), part)
		}
		out = append(out, chart.PageRange{First: first, Last: last})
	}
	return out, nil
}

// split asks for the parts and splits the chosen document.
func (v *inboxView) split() {
	v.s.touch()
	d, ok := v.current()
	if !ok {
		return
	}
	parts := newEntry(fmt.Sprintf(lang.L("e.g. 1-2, 3, %d-%d"), max(d.Pages, 4)-1, max(d.Pages, 4)))
	f := newForm()
	f.add(lang.L("Parts"), "parts", parts)
	split := func() bool {
		rs, err := parseRanges(parts.Text)
		if err != nil {
			f.clear()
			setError(f.errs["parts"], capital(err.Error())+".")
			return false
		}
		if _, err = v.s.svc.SplitDocument(scan.Editor{}, d.ID, rs); err != nil {
			f.show(err)
			return false
		}
		v.sel = -1
		v.reload()
		return true
	}
	dlg := askForm(v.s.ws.win, lang.L("Split into several documents"), f.content(), lang.L("Split"), lang.L("Cancel"), split, nil)
	dlg.field(parts)
	dlg.d.Resize(fyne.NewSize(460, 200))
	v.s.ws.win.Canvas().Focus(parts)
}

// reject asks for a reason and rejects the chosen document.
func (v *inboxView) reject() {
	v.s.touch()
	d, ok := v.current()
	if !ok {
		return
	}
	reason := newEntry(lang.L("Reason, e.g. blank page, scanned twice"))
	f := newForm()
	f.add(lang.L("Reason"), "reason", reason)
	rejectIt := func() bool {
		if _, err := v.s.svc.RejectDocument(d.ID, reason.Text); err != nil {
			f.show(err)
			return false
		}
		v.sel = -1
		v.reload()
		return true
	}
	dlg := askForm(v.s.ws.win, lang.L("Reject this document"), f.content(), lang.L("Reject"), lang.L("Cancel"), rejectIt, nil)
	dlg.field(reason)
	dlg.d.Resize(fyne.NewSize(460, 200))
	v.s.ws.win.Canvas().Focus(reason)
}

// rotate turns the page shown (or every page) a quarter clockwise; the
// filing form keeps what was typed.
func (v *inboxView) rotate(all bool) {
	v.s.touch()
	d, ok := v.current()
	if !ok || v.view == nil {
		return
	}
	page := v.view.page
	var pages []int
	if !all {
		pages = []int{page}
	}
	nd, err := v.s.svc.RotatePages(scan.Editor{}, d.ID, 90, pages...)
	if err != nil {
		showError(v.s.ws.win, lang.L("The page was not turned"), err)
		return
	}
	v.docs[v.sel] = nd
	content, err := v.read(nd)
	if err != nil {
		return
	}
	v.content = content
	zoom := v.view.zoom
	v.view = newViewer(v.s, content, nd.Pages, inboxName(nd), false)
	v.view.zoom = zoom
	v.slot.Objects = []fyne.CanvasObject{v.view.view()}
	v.slot.Refresh()
	v.view.showPage(page)
}

// showRejected lists the documents rejected from the inbox, newest first,
// each with its reason and a way back into the inbox (HIM managers).
func (v *inboxView) showRejected() {
	v.s.touch()
	list, err := v.s.svc.RejectedDocuments()
	if err != nil {
		showError(v.s.ws.win, lang.L("The rejected documents could not be read"), err)
		return
	}
	rows := container.NewVBox()
	for _, rd := range list {
		line := fmt.Sprintf(lang.L("%s · rejected %s by %s: %s"), docLine(rd.Document), showWhen(rd.RejectedAt), rd.RejectedBy, rd.Reason)
		rows.Add(container.NewBorder(nil, nil, nil,
			&widget.Button{Text: lang.L("Return to inbox"), OnTapped: func() {
				if _, err := v.s.svc.ReturnToInbox(rd.ID); err != nil {
					showError(v.s.ws.win, lang.L("The document was not returned"), err)
					return
				}
				v.showRejected()
				v.s.refreshInbox()
			}},
			&widget.Label{Text: line, Wrapping: fyne.TextWrapWord}))
	}
	if len(list) == 0 {
		rows.Add(&widget.Label{Text: lang.L("No document has been rejected.")})
	}
	back := &widget.Button{Text: lang.L("Back to the inbox"), OnTapped: v.s.showInbox}
	v.s.showDetail(container.NewBorder(heading(lang.L("Rejected documents")), back, nil, nil, container.NewVScroll(rows)))
}
