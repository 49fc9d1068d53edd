package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults of [Config].
const (
	DefaultSettle = 2 * time.Second
	DefaultRetry  = 5 * time.Second
	DefaultRescan = 30 * time.Second
)

// Config configures an [Engine].
type Config struct {
	Folders []Folder
	// Settle is how long a file's size and time must stay unchanged, with
	// no write seen, before it is taken (default DefaultSettle). A file
	// renamed from a temporary name is taken without waiting.
	Settle time.Duration
	// Retry is how often a folder that went away is looked for (default
	// DefaultRetry).
	Retry time.Duration
	// Rescan is how often every watched folder is listed again (default
	// DefaultRescan; negative: never). Network shares (SMB/CIFS, NFS)
	// report to the watching computer only the files it wrote itself, not
	// those a scanner or another computer writes, on Linux and often on
	// Windows too; a listing every half minute finds those.
	Rescan time.Duration
	// OnEvent, when set, is called on the engine's goroutine after every
	// file taken, refused or deferred and every folder lost or back.
	OnEvent func(Event)
}

// Event is one thing the engine did.
type Event struct {
	Result *Result       // a file was handled, or
	Folder *FolderStatus // a folder went away or came back
}

// FolderStatus is the state of one watched folder.
type FolderStatus struct {
	Path string
	OK   bool
	// Warning says what is wrong when the folder is not watched
	// (English); WarningText is the same sentence for translation.
	Warning     string
	WarningText Text
	Since       time.Time
}

// Problem is a file left in a watched folder, and why.
type Problem struct {
	Path   string
	Folder string
	Reason string // in English
	// ReasonText is Reason for translation.
	ReasonText Text
	Since      time.Time

	size  int64
	mtime time.Time
}

// Engine watches folders and takes complete files in. It uses no CPU while
// nothing arrives: it waits on file system events, runs a timer only while
// a file is settling and polls only for a folder that went away.
type Engine struct {
	in  *Intake
	cfg Config

	mu       sync.Mutex
	problems map[string]Problem
	status   []FolderStatus

	// Owned by the Run goroutine.
	w          *fsnotify.Watcher
	pending    map[string]*pend
	tempRename map[int]time.Time // folder → when a temporary name was last renamed away
	timer      *time.Timer
	poll       *time.Ticker
	watching   chan struct{} // closed once w is set
}

type pend struct {
	folder int
	size   int64
	mtime  time.Time
	due    time.Time
}

// NewEngine checks the folders' settings and makes an engine; Run starts it.
func NewEngine(in *Intake, cfg Config) (*Engine, error) {
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	if cfg.Retry <= 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.Rescan == 0 {
		cfg.Rescan = DefaultRescan
	}
	if len(cfg.Folders) == 0 {
		return nil, errors.New("no folder to watch")
	}
	e := &Engine{in: in, cfg: cfg, problems: map[string]Problem{}, pending: map[string]*pend{},
		tempRename: map[int]time.Time{}, watching: make(chan struct{})}
	for i, f := range cfg.Folders {
		if err := CheckFolder(f); err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(f.Path)
		if err != nil {
			return nil, err
		}
		e.cfg.Folders[i].Path = abs
		e.status = append(e.status, FolderStatus{Path: abs})
	}
	return e, nil
}

// Problems lists the files left in the folders, by path.
func (e *Engine) Problems() []Problem {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Problem, 0, len(e.problems))
	for _, p := range e.problems {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Problem) int { return compareStrings(a.Path, b.Path) })
	return out
}

// Folders is the state of every watched folder, in configuration order.
func (e *Engine) Folders() []FolderStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.status)
}

// Run watches until ctx ends. Files already in the folders are taken too,
// and every folder is listed again every Config.Rescan for files no event
// announced.
func (e *Engine) Run(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching folders: %w", err)
	}
	defer w.Close()
	e.w = w
	close(e.watching)
	e.timer = time.NewTimer(time.Hour)
	e.timer.Stop()
	for i := range e.cfg.Folders {
		e.attach(i)
	}
	var rescanC <-chan time.Time
	if e.cfg.Rescan > 0 {
		t := time.NewTicker(e.cfg.Rescan)
		defer t.Stop()
		rescanC = t.C
	}
	for {
		e.armTimer()
		var pollC <-chan time.Time
		if e.poll != nil {
			pollC = e.poll.C
		}
		select {
		case <-ctx.Done():
			if e.poll != nil {
				e.poll.Stop()
			}
			e.timer.Stop()
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("the folder watcher stopped")
			}
			e.onEvent(ev)
		case err, ok := <-w.Errors:
			if !ok {
				return errors.New("the folder watcher stopped")
			}
			// Events were lost (a queue overflow): look at everything.
			_ = err
			e.scanAll()
		case <-e.timer.C:
			e.takeDue()
		case <-pollC:
			e.lookForMissing()
		case <-rescanC:
			e.scanAll()
		}
	}
}

// attach starts watching folder i and queues the files already there; a
// folder that is not there is marked and looked for again later.
func (e *Engine) attach(i int) {
	p := e.cfg.Folders[i].Path
	fi, err := os.Stat(p)
	if err == nil && !fi.IsDir() {
		err = errNotFolder
	}
	if err == nil {
		err = e.w.Add(p)
	}
	if err != nil {
		e.lost(i, err)
		return
	}
	e.setStatus(i, FolderStatus{Path: p, OK: true, Since: time.Now()})
	e.scan(i)
}

func (e *Engine) lost(i int, err error) {
	p := e.cfg.Folders[i].Path
	_ = e.w.Remove(p)
	for path, pd := range e.pending {
		if pd.folder == i {
			delete(e.pending, path)
		}
	}
	w := folderWarning(p, err)
	e.setStatus(i, FolderStatus{Path: p, Since: time.Now(), Warning: w.String(), WarningText: w})
	if e.poll == nil {
		e.poll = time.NewTicker(e.cfg.Retry)
	}
}

func (e *Engine) lookForMissing() {
	missing := 0
	for i := range e.cfg.Folders {
		if e.Folders()[i].OK {
			continue
		}
		e.attach(i)
		if !e.Folders()[i].OK {
			missing++
		}
	}
	if missing == 0 && e.poll != nil {
		e.poll.Stop()
		e.poll = nil
	}
}

func (e *Engine) setStatus(i int, s FolderStatus) {
	e.mu.Lock()
	old := e.status[i]
	if old.OK == s.OK && old.Warning == s.Warning && !old.Since.IsZero() {
		e.mu.Unlock()
		return
	}
	e.status[i] = s
	e.mu.Unlock()
	e.emit(Event{Folder: &s})
}

func (e *Engine) emit(ev Event) {
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(ev)
	}
}

func (e *Engine) scanAll() {
	for i := range e.cfg.Folders {
		if e.Folders()[i].OK {
			e.scan(i)
		}
	}
}

// scan queues every file of folder i, each to settle.
func (e *Engine) scan(i int) {
	des, err := os.ReadDir(e.cfg.Folders[i].Path)
	if err != nil {
		e.lost(i, err)
		return
	}
	for _, de := range des {
		if !de.Type().IsRegular() || Temporary(de.Name()) {
			continue
		}
		path := filepath.Join(e.cfg.Folders[i].Path, de.Name())
		if pd, ok := e.pending[path]; ok {
			// Already settling: a listing is no write, so it does not
			// start the wait again unless the file changed.
			if fi, err := de.Info(); err == nil && pd.size == fi.Size() && pd.mtime.Equal(fi.ModTime()) {
				continue
			}
		}
		e.consider(i, path, false)
	}
}

func (e *Engine) folderOf(path string) int {
	dir := filepath.Dir(path)
	for i, f := range e.cfg.Folders {
		if f.Path == dir {
			return i
		}
	}
	return -1
}

func (e *Engine) onEvent(ev fsnotify.Event) {
	for i, f := range e.cfg.Folders {
		if ev.Name == f.Path && ev.Has(fsnotify.Remove|fsnotify.Rename) {
			if fi, err := os.Stat(f.Path); err != nil || !fi.IsDir() {
				e.lost(i, os.ErrNotExist)
			}
			return
		}
	}
	i := e.folderOf(ev.Name)
	if i < 0 {
		return
	}
	if Temporary(filepath.Base(ev.Name)) {
		if ev.Has(fsnotify.Rename) {
			e.tempRename[i] = time.Now()
		}
		return
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		delete(e.pending, ev.Name)
		e.clearProblem(ev.Name)
		return
	}
	renamed := false
	if ev.Has(fsnotify.Create) {
		if t, ok := e.tempRename[i]; ok && time.Since(t) < time.Second {
			renamed = true
		}
		delete(e.tempRename, i)
	}
	e.consider(i, ev.Name, renamed)
}

// consider queues a file to be taken once it has settled, or at once when
// it was just renamed from a temporary name.
func (e *Engine) consider(i int, path string, renamed bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		delete(e.pending, path)
		if err != nil {
			e.clearProblem(path)
		}
		return
	}
	e.mu.Lock()
	p, isProblem := e.problems[path]
	e.mu.Unlock()
	if isProblem && p.size == fi.Size() && p.mtime.Equal(fi.ModTime()) {
		return // unchanged since it was refused
	}
	due := time.Now().Add(e.cfg.Settle)
	if renamed {
		due = time.Now()
	}
	e.pending[path] = &pend{folder: i, size: fi.Size(), mtime: fi.ModTime(), due: due}
}

func (e *Engine) armTimer() {
	if len(e.pending) == 0 {
		e.timer.Stop()
		return
	}
	var first time.Time
	for _, p := range e.pending {
		if first.IsZero() || p.due.Before(first) {
			first = p.due
		}
	}
	e.timer.Reset(max(0, time.Until(first)))
}

// takeDue takes every pending file whose settle time is over and that did
// not change meanwhile.
func (e *Engine) takeDue() {
	now := time.Now()
	var due []string
	for path, p := range e.pending {
		if !p.due.After(now) {
			due = append(due, path)
		}
	}
	slices.Sort(due)
	for _, path := range due {
		p := e.pending[path]
		fi, err := os.Stat(path)
		if err != nil {
			delete(e.pending, path)
			continue
		}
		if fi.Size() != p.size || !fi.ModTime().Equal(p.mtime) {
			p.size, p.mtime, p.due = fi.Size(), fi.ModTime(), time.Now().Add(e.cfg.Settle)
			continue
		}
		delete(e.pending, path)
		f := e.cfg.Folders[p.folder]
		res := e.in.Take(path, f)
		switch res.Outcome {
		case Imported, Duplicate:
			e.clearProblem(path)
			if res.Err != nil {
				e.addProblem(path, f.Path, res.ReasonText, fi)
			}
		case Refused:
			e.addProblem(path, f.Path, res.ReasonText, fi)
		case Deferred:
			switch {
			case errors.Is(res.Err, os.ErrNotExist):
			case res.Err == nil: // changed while read: settle again
				e.consider(p.folder, path, false)
			default:
				e.addProblem(path, f.Path, res.ReasonText, fi)
			}
		}
		e.emit(Event{Result: &res})
	}
}

func (e *Engine) addProblem(path, folder string, reason Text, fi os.FileInfo) {
	e.mu.Lock()
	defer e.mu.Unlock()
	since := time.Now()
	if old, ok := e.problems[path]; ok && old.Reason == reason.String() {
		since = old.Since
	}
	e.problems[path] = Problem{Path: path, Folder: folder, Reason: reason.String(), ReasonText: reason, Since: since, size: fi.Size(), mtime: fi.ModTime()}
}

func (e *Engine) clearProblem(path string) {
	e.mu.Lock()
	delete(e.problems, path)
	e.mu.Unlock()
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
