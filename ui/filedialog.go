package ui

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/internal/filename"
)

// fileChooser is the workstation's file dialog, for saving a copy (a
// printout, a document, a plot, an export) and for opening a file (a code
// table). It is a modal like every other dialog: Escape cancels it and
// Enter confirms it wherever the keyboard is in it, the file list too —
// which Fyne's own file dialog cannot do, since Fyne gives keys to the
// focused widget first and its list keeps them.
//
// It shows the folder (with Up and Home), the folder's subfolders and
// files (hidden ones left out; for opening, only the kinds of file asked
// for), and a file name field. A click on a folder opens it, a click on a
// file puts its name in the field, a double click or Enter confirms. A
// name typed may also be a path, absolute or relative to the folder
// shown. Saving over a file asks first. The folder last used is offered
// again.
type fileChooser struct {
	w    fyne.Window
	save bool
	exts []string // for opening: the file name endings shown

	offered string // the name offered in the field (saving)
	dir     string
	items   []fileItem
	list    *fileList
	name    *entry
	where   *widget.Label
	status  *widget.Label
	up      *keyButton
	m       *modal
	moves   int // folder changes, so Enter on the list knows it opened one
	lastID  int
	lastTap time.Time

	done func(path string) // the path confirmed; "" when cancelled
}

// fileItem is one row of the file list.
type fileItem struct {
	name string
	dir  bool
}

// prefLastFolder keeps the folder the file dialog last confirmed in.
const prefLastFolder = "files.lastFolder"

// chooseFile shows the file dialog. name is offered in the file name field
// (saving); exts limits the files listed (opening). done runs on the UI
// goroutine once, with the path confirmed or "" when cancelled.
func chooseFile(w fyne.Window, save bool, name string, exts []string, done func(path string)) *fileChooser {
	fc := &fileChooser{w: w, save: save, exts: exts, done: done, lastID: -1, offered: name}
	fc.where = widget.NewLabel("")
	fc.where.Truncation = fyne.TextTruncateEllipsis
	fc.status = widget.NewLabel("")
	fc.status.Wrapping = fyne.TextWrapWord
	fc.status.Hide()
	fc.name = newEntry(lang.L("File name"))
	fc.name.SetText(name)
	fc.list = newFileList(fc)

	fc.up = fc.button(lang.L("Up"), theme.MoveUpIcon(), func() { fc.setDir(filepath.Dir(fc.dir)) })
	home := fc.button(lang.L("Home"), theme.HomeIcon(), func() {
		if h, err := os.UserHomeDir(); err == nil {
			fc.setDir(h)
		}
	})
	// The list asks for room; the dialog is sized to the window below.
	room := container.NewStack(minBox(fyne.NewSize(360, 150)), fc.list)
	label := lang.L("File name")
	if !save {
		label = lang.L("File")
	}
	content := container.NewBorder(
		container.NewBorder(nil, nil, container.NewHBox(fc.up, home), nil, fc.where),
		container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel(label), nil, fc.name), fc.status),
		nil, nil, room)

	title, ok := lang.L("Save a copy"), lang.L("Save")
	if !save {
		title, ok = lang.L("Open a file"), lang.L("Open")
	}
	var chosen string
	def := &action{text: ok, icon: theme.ConfirmIcon(), imp: widget.HighImportance,
		check: func() bool {
			p, ready := fc.confirm()
			chosen = p
			return ready
		},
		do: func() { fc.finish(chosen) }}
	cancel := &action{text: lang.L("Cancel"), do: func() { fc.finish("") }}
	fc.name.OnSubmitted = func(string) { fc.m.enter() }
	fc.m = openModal(w, title, content, cancel, def)
	fc.up.m, home.m = fc.m, fc.m

	// As big as the window comfortably allows.
	cs := w.Canvas().Size()
	min := fc.m.d.MinSize()
	fc.m.d.Resize(fyne.NewSize(
		max(min.Width, minf(cs.Width*0.9, 760)),
		max(min.Height, minf(cs.Height*0.9, 560))))

	fc.setDir(startFolder())
	if save {
		w.Canvas().Focus(fc.name)
	} else {
		w.Canvas().Focus(fc.list)
	}
	return fc
}

func minf(a, b float32) float32 {
	if a < b {
		return a
	}
	return b
}

// button makes a button of the dialog's own: Escape and Enter reach the
// dialog while it has the focus, as for its Cancel and Save.
func (fc *fileChooser) button(text string, icon fyne.Resource, tapped func()) *keyButton {
	b := &keyButton{}
	b.Text, b.Icon, b.OnTapped = text, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// startFolder is the folder last used, else the home folder.
func startFolder() string {
	if last := fyne.CurrentApp().Preferences().String(prefLastFolder); last != "" {
		if st, err := os.Stat(last); err == nil && st.IsDir() {
			return last
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return string(filepath.Separator)
}

// setDir shows a folder.
func (fc *fileChooser) setDir(dir string) {
	dir = filepath.Clean(dir)
	fc.moves++
	fc.say("")
	items, err := readFolder(dir, fc.exts)
	if err != nil {
		fc.say(lang.L("This folder cannot be read; choose another."))
	}
	fc.dir, fc.items = dir, items
	fc.where.SetText(dir)
	if filepath.Dir(dir) == dir {
		fc.up.Disable()
	} else {
		fc.up.Enable()
	}
	fc.lastID = -1
	fc.list.arrowed = false
	fc.list.UnselectAll()
	fc.list.Refresh()
	fc.list.ScrollToTop()
	if !fc.save {
		fc.name.SetText("")
	}
}

// readFolder lists a folder's subfolders, then its files (only those
// ending in one of exts when given), each A to Z; hidden ones are left out.
func readFolder(dir string, exts []string) ([]fileItem, error) {
	ents, err := os.ReadDir(dir)
	var dirs, files []fileItem
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(dir, n)); err == nil {
				isDir = st.IsDir()
			}
		}
		switch {
		case isDir:
			dirs = append(dirs, fileItem{n, true})
		case len(exts) == 0 || hasExt(n, exts):
			files = append(files, fileItem{n, false})
		}
	}
	az := func(s []fileItem) {
		sort.Slice(s, func(i, j int) bool { return strings.ToLower(s[i].name) < strings.ToLower(s[j].name) })
	}
	az(dirs)
	az(files)
	return append(dirs, files...), err
}

func hasExt(name string, exts []string) bool {
	for _, x := range exts {
		if strings.HasSuffix(strings.ToLower(name), strings.ToLower(x)) {
			return true
		}
	}
	return false
}

func (fc *fileChooser) say(s string) {
	fc.status.SetText(s)
	if s == "" {
		fc.status.Hide()
	} else {
		fc.status.Show()
	}
}

// choose is a click (or Space) on row id: a folder opens, a file's name
// goes into the field.
func (fc *fileChooser) choose(id int) {
	if id < 0 || id >= len(fc.items) {
		return
	}
	it := fc.items[id]
	if it.dir {
		fc.setDir(filepath.Join(fc.dir, it.name))
		return
	}
	fc.lastID = id
	fc.name.SetText(it.name)
	fc.say("")
}

// confirm checks what the field names: a folder opens (and the dialog
// stays), a file to open must exist, a file to save over is asked about.
// It returns the path and whether the dialog may close with it.
func (fc *fileChooser) confirm() (string, bool) {
	n := strings.TrimSpace(fc.name.Text)
	if n == "" {
		if fc.save {
			fc.say(lang.L("Type a name for the file."))
		} else {
			fc.say(lang.L("Choose a file in the list."))
		}
		return "", false
	}
	p := n
	if strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		if h, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(h, p[2:])
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(fc.dir, p)
	}
	st, err := os.Stat(p)
	switch {
	case err == nil && st.IsDir():
		fc.setDir(p)
		fc.name.SetText(fc.offered) // saving: the name offered again
		return "", false
	case !fc.save && err != nil:
		fc.say(fmt.Sprintf(lang.L("There is no file named %s in %s."), filepath.Base(p), filepath.Dir(p)))
		return "", false
	case fc.save && err == nil:
		confirmAction(fc.w, fmt.Sprintf(lang.L("Replace %s?"), filepath.Base(p)),
			fmt.Sprintf(lang.L("A file named %s is already in %s. Saving replaces what it holds."), filepath.Base(p), filepath.Dir(p)),
			lang.L("Replace"), lang.L("Choose another name"), func() {
				fc.m.close()
				fc.finish(p)
			})
		return "", false
	case fc.save:
		if st, err := os.Stat(filepath.Dir(p)); err != nil || !st.IsDir() {
			fc.say(fmt.Sprintf(lang.L("There is no folder %s."), filepath.Dir(p)))
			return "", false
		}
	}
	return p, true
}

// finish answers the caller once.
func (fc *fileChooser) finish(path string) {
	if fc.done == nil {
		return
	}
	if path != "" {
		fyne.CurrentApp().Preferences().SetString(prefLastFolder, filepath.Dir(path))
	}
	done := fc.done
	fc.done = nil
	done(path)
}

// tapped is a click on row id; a second click on the same file soon after
// confirms it.
func (fc *fileChooser) tapped(id int) {
	now := time.Now()
	double := id == fc.lastID && now.Sub(fc.lastTap) < fyne.CurrentApp().Driver().DoubleTapDelay()
	fc.lastTap = now
	fc.w.Canvas().Focus(fc.list)
	fc.list.arrowed = false
	isFile := id < len(fc.items) && !fc.items[id].dir
	fc.list.Select(id)
	if isFile {
		fc.choose(id) // also when it was selected already
		if double {
			fc.m.enter()
		}
	}
}

// fileList is the dialog's list of folders and files. Escape and Enter
// answer the dialog while it has the keyboard (Enter opens the folder or
// confirms the file under the cursor); Backspace goes up a folder; the
// arrow keys and Space work as in any list.
type fileList struct {
	widget.List
	fc      *fileChooser
	arrowed bool // the cursor was moved with the keys since the last click
}

func newFileList(fc *fileChooser) *fileList {
	l := &fileList{fc: fc}
	l.Length = func() int { return len(fc.items) }
	l.CreateItem = func() fyne.CanvasObject { return newFileRow(fc) }
	l.UpdateItem = func(id widget.ListItemID, o fyne.CanvasObject) {
		if id < len(fc.items) {
			o.(*fileRow).set(id, fc.items[id])
		}
	}
	l.OnSelected = fc.choose
	l.ExtendBaseWidget(l)
	return l
}

func (l *fileList) TypedKey(k *fyne.KeyEvent) {
	fc := l.fc
	switch k.Name {
	case fyne.KeyEscape:
		fc.m.escape()
	case fyne.KeyReturn, fyne.KeyEnter:
		// After a click, Enter confirms the file clicked. After the arrow
		// keys, Space selects the row under the cursor (a folder opens, a
		// file is chosen) and a chosen file confirms the dialog.
		if l.arrowed || fc.lastID < 0 {
			moves := fc.moves
			l.List.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
			if fc.moves != moves {
				return
			}
		}
		fc.m.enter()
	case fyne.KeyBackspace:
		if filepath.Dir(fc.dir) != fc.dir {
			fc.setDir(filepath.Dir(fc.dir))
		}
	case fyne.KeyUp, fyne.KeyDown, fyne.KeySpace:
		l.arrowed = true
		l.List.TypedKey(k)
	default:
		l.List.TypedKey(k)
	}
}

// fileRow is a row of the file list: an icon and the name.
type fileRow struct {
	widget.BaseWidget
	fc    *fileChooser
	id    int
	icon  *widget.Icon
	label *widget.Label
}

func newFileRow(fc *fileChooser) *fileRow {
	r := &fileRow{fc: fc, icon: widget.NewIcon(theme.FileIcon()), label: widget.NewLabel("")}
	r.label.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *fileRow) set(id int, it fileItem) {
	r.id = id
	if it.dir {
		r.icon.SetResource(theme.FolderIcon())
	} else {
		r.icon.SetResource(theme.FileIcon())
	}
	r.label.SetText(it.name)
}

func (r *fileRow) Tapped(*fyne.PointEvent) { r.fc.tapped(r.id) }

func (r *fileRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, nil, r.label))
}

// chooseSaveFile asks where to save a file and hands over a writer and the
// path chosen (nil writer and no error when the person cancelled). The
// file is made (or emptied) with mode 0600: what the workstation saves
// holds patient data. The name offered is made safe for every file system
// first (a scanned file's original name may hold characters Windows
// refuses). Tests replace it.
var chooseSaveFile = func(w fyne.Window, name string, done func(io.WriteCloser, string, error)) {
	chooseFile(w, true, filename.Safe(name, "document"), nil, func(path string) {
		if path == "" {
			done(nil, "", nil)
			return
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			done(nil, "", err)
			return
		}
		done(f, path, nil)
	})
}

// chooseOpenFile asks for a text file to read and hands over a reader and
// its path (nil reader and no error when the person cancelled). Tests
// replace it.
var chooseOpenFile = func(w fyne.Window, done func(io.ReadCloser, string, error)) {
	chooseFile(w, false, "", []string{".txt"}, func(path string) {
		if path == "" {
			done(nil, "", nil)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			done(nil, "", err)
			return
		}
		done(f, path, nil)
	})
}

// minBox is an empty object asking for a minimum size.
func minBox(s fyne.Size) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(s)
	return r
}
