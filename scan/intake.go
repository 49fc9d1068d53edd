package scan

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/atomicfile"
)

// MaxFileSize is the largest file intake takes (a TIFF, JPEG or PNG file
// is held in memory while it is checked, hashed and sealed; a PDF is read
// from the file as needed).
const MaxFileSize = 512 << 20

// Folder is a watched folder and what intake does with its files.
type Folder struct {
	Path string
	// Category is the default document category: suggested for documents
	// that wait in the inbox, and used when a filename rule names the
	// patient but no category.
	Category string
	// Archive is where originals are moved after import; empty deletes
	// them (the default).
	Archive string
	// Rule is an optional filename rule (see [ParseRule]).
	Rule string
}

// Outcome is what became of one file.
type Outcome int

const (
	// Imported: the file is a new document (in the inbox, or filed when
	// Result.FiledBy says how).
	Imported Outcome = iota
	// Duplicate: the same content is already a document; nothing new was
	// stored and the original was removed or archived like an import.
	Duplicate
	// Refused: the file is damaged or not a scan; it stays where it is.
	Refused
	// Deferred: the file changed while it was read, or the store could not
	// take it now (locked, full); it stays and is tried again.
	Deferred
)

func (o Outcome) String() string {
	return [...]string{"imported", "duplicate", "refused", "deferred"}[o]
}

// Result tells what intake did with one file.
type Result struct {
	Path    string
	Outcome Outcome
	// Document is the new document, or the existing one for a duplicate.
	Document chart.Document
	// FiledBy is "cover sheet" or "file name" when the document was filed
	// automatically; empty when it waits in the inbox.
	FiledBy string
	// Reason explains a refused or deferred file, in words for the desk
	// (English); ReasonText is the same sentence for translation.
	Reason     string
	ReasonText Text
	// Err is the underlying error of a deferred file.
	Err error
}

// Intake takes single files into the store: read, check, hash, seal,
// commit, and only then remove or archive the original. It is safe for
// concurrent use; imports are serialized.
type Intake struct {
	svc *chart.Service
	now func() time.Time

	mu    sync.Mutex
	rules map[string]*Rule
}

// Option changes an Intake.
type Option func(*Intake)

// WithClock makes intake read the time from now: the clinical date of an
// automatically filed document is the day of intake (tests).
func WithClock(now func() time.Time) Option { return func(in *Intake) { in.now = now } }

// NewIntake makes an Intake that stores documents through svc as its
// signed-in user (front desk, clinician or HIM manager).
func NewIntake(svc *chart.Service, opts ...Option) *Intake {
	in := &Intake{svc: svc, now: time.Now, rules: map[string]*Rule{}}
	for _, o := range opts {
		o(in)
	}
	if in.now == nil {
		in.now = time.Now
	}
	return in
}

// CheckFolder reports what is wrong with a folder's settings.
func CheckFolder(f Folder) error {
	if f.Path == "" {
		return settingsErr(T("a watched folder needs a path"))
	}
	if f.Category != "" {
		if _, ok := chart.CategoryByName(f.Category); !ok {
			return settingsErr(T("%s: unknown document category %q", f.Path, f.Category))
		}
	}
	if f.Rule != "" {
		if _, err := ParseRule(f.Rule); err != nil {
			// The rule's problem is a whole sentence of its own, after
			// the folder's path.
			var se *SettingsError
			if errors.As(err, &se) {
				return settingsErr(T("%s: %s", f.Path, se.Text))
			}
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	if f.Archive != "" && filepath.Clean(f.Archive) == filepath.Clean(f.Path) {
		return settingsErr(T("%s: the archive folder must not be the watched folder itself", f.Path))
	}
	return nil
}

// Take imports the file at path as a scan arriving in folder f. The caller
// has made sure the file is complete.
func (in *Intake) Take(path string, f Folder) Result {
	res := Result{Path: path}
	refuse := func(err error) Result {
		res.Outcome = Refused
		var pe *ProblemError
		if errors.As(err, &pe) {
			res.Reason, res.ReasonText = pe.Reason, pe.Text
		} else {
			res.Reason, res.ReasonText = err.Error(), raw(err.Error())
		}
		return res
	}
	defer_ := func(reason Text, err error) Result {
		res.Outcome, res.Reason, res.ReasonText, res.Err = Deferred, reason.String(), reason, err
		return res
	}
	src, st, err := openScan(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return defer_(T("the file went away before it was read"), err)
		}
		var pe *ProblemError
		if errors.As(err, &pe) {
			return refuse(err)
		}
		return defer_(readProblem(err), err)
	}
	defer src.close()
	if src.pdf() {
		defer limitMemory(pdfIntakeNeed(src.size))()
	}
	info, err := src.analyze()
	if err != nil {
		var pe *ProblemError
		if errors.As(err, &pe) {
			return refuse(err)
		}
		return defer_(readProblem(err), err)
	}
	base := chart.Document{
		ContentType: info.Format.ContentType(),
		Pages:       info.Pages,
		Source:      filepath.Base(path),
		Category:    strings.ToLower(f.Category),
	}
	// Filing by file name holds unless page 1 turns out to be a cover
	// sheet; it is decided first so that sealing can start at once.
	d, byName := base, res
	in.fileByName(f, &d, &byName)

	in.mu.Lock()
	defer in.mu.Unlock()
	// The file is sealed as it is while its first page is looked at for a
	// cover sheet and its hash is looked up; the reader holds its last
	// byte back until both are known, so the blob is completed only for a
	// file that is to be stored whole. Otherwise the read fails and the
	// store drops the chunks sealed so far (a blob is visible only once
	// its last chunk and header are committed).
	held := newHeldReader(src.at(), src.size)
	sealed := make(chan stored, 1)
	go func() {
		doc, err := in.svc.AddDocument(held, d)
		sealed <- stored{doc, err}
	}()
	found := make(chan coverFound, 1)
	go func() {
		c, ok := FindCover(src.data, info)
		found <- coverFound{c, ok}
	}()
	sum, err := src.sum()
	if err != nil {
		held.let(errNotWhole)
		<-found
		<-sealed
		return defer_(readProblem(err), err)
	}
	dup := in.lookUp(sum)
	stopped := dup.found || dup.err != nil
	if stopped {
		// Not stored as it is, cover sheet or not: stop sealing now.
		held.let(errNotWhole)
	}
	cover := <-found
	moved := changed(path, st)
	if cover.ok || moved {
		if !stopped {
			held.let(errNotWhole)
		}
		<-sealed
		if moved {
			return defer_(T("the file changed while it was read; it is taken once it is complete"), nil)
		}
		d, res.FiledBy = base, ""
		data, err := src.whole(info)
		if err != nil {
			return defer_(readProblem(err), err)
		}
		content, err := in.coverFile(cover.c, data, info, &d, &res)
		if err != nil {
			return refuse(err)
		}
		if len(content) != len(data) || &content[0] != &data[0] {
			dup = in.lookUp(sha256.Sum256(content))
		}
		src.close()
		return in.store(path, st, f, dup, bytesScan(content), nil, d, res)
	}
	res = byName
	if stopped {
		<-sealed
		return in.store(path, st, f, dup, src, nil, d, res)
	}
	return in.store(path, st, f, dup, src, &sealing{held, sealed}, d, res)
}

// scanFile is a file being taken in. A PDF is read from the file as it
// is needed: pdfcpu reads it once (its page images left in the file, see
// leftStreams), and sealing and hashing read it again, so the scan is not
// held in memory; other formats are read whole. The file's state when
// opened (size and time) is checked again before the original is removed
// (see changed), as a file rewritten meanwhile may have been read in two
// states.
type scanFile struct {
	f    *os.File
	size int64
	data []byte // the whole content, once read
}

// openScan opens the regular file at path and returns its state.
func openScan(path string) (*scanFile, os.FileInfo, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := fh.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = problemf("not a regular file")
	}
	if err == nil && st.Size() > MaxFileSize {
		err = problemf("the file is larger than %d MB; split the scan", MaxFileSize>>20)
	}
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	return &scanFile{f: fh, size: st.Size()}, st, nil
}

// bytesScan is content held in memory as a scanFile.
func bytesScan(b []byte) *scanFile { return &scanFile{data: b, size: int64(len(b))} }

// pdf reports whether the file starts as a PDF does.
func (s *scanFile) pdf() bool {
	head := make([]byte, min(s.size, 1024))
	if _, err := s.f.ReadAt(head, 0); err != nil && err != io.EOF {
		return false
	}
	f, ok := Detect(head)
	return ok && f == PDF
}

// analyze checks the content and counts its pages (see [Analyze]); a
// file that is not a PDF is read whole first.
func (s *scanFile) analyze() (Info, error) {
	if s.pdf() {
		return analyzePDF(s.f, s.size)
	}
	if _, err := s.whole(Info{}); err != nil {
		return Info{}, err
	}
	return Analyze(s.data)
}

// whole reads the whole file (once); a PDF's streams left in the file
// are then pointed at their bytes in it.
func (s *scanFile) whole(info Info) ([]byte, error) {
	if s.data == nil {
		data := make([]byte, 0, s.size+1)
		data, err := readAll(io.NewSectionReader(s.f, 0, MaxFileSize+1), data)
		if err != nil {
			return nil, err
		}
		if int64(len(data)) != s.size {
			return nil, errors.New("the file's size changed while it was read")
		}
		s.data = data
	}
	return s.data, info.left.loadAll(info.pdf, s.data)
}

// at reads the content.
func (s *scanFile) at() io.ReaderAt {
	if s.data != nil || s.f == nil {
		return bytes.NewReader(s.data)
	}
	return s.f
}

// reader reads the content from its start.
func (s *scanFile) reader() io.Reader { return io.NewSectionReader(s.at(), 0, s.size) }

// sum is the content's SHA-256.
func (s *scanFile) sum() ([32]byte, error) {
	if s.data != nil {
		return sha256.Sum256(s.data), nil
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, s.reader(), make([]byte, 256<<10)); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}

// close closes the file (before the original is removed or moved: an
// open file cannot be on Windows); twice is harmless.
func (s *scanFile) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// errNotWhole stops the sealing of a file that is not stored as it is (a
// duplicate, a scan that starts with a cover sheet, a file that changed).
var errNotWhole = errors.New("the file is not stored as it is")

type stored struct {
	doc chart.Document
	err error
}

type coverFound struct {
	c  chart.CoverSheet
	ok bool
}

// sealing is a document being added from a [heldReader].
type sealing struct {
	held *heldReader
	done chan stored
}

// hashLookup is a content hash looked up among the live documents.
type hashLookup struct {
	old   chart.Document
	found bool
	err   error
}

func (in *Intake) lookUp(sum [32]byte) hashLookup {
	old, ok, err := in.svc.DocumentByContent(sum)
	return hashLookup{old, ok, err}
}

// store records content as document d unless dup found it already
// stored, and then removes or archives the original. s, when not nil, is
// content already being sealed as d, waiting to be let through.
func (in *Intake) store(path string, st os.FileInfo, f Folder, dup hashLookup, content *scanFile, s *sealing, d chart.Document, res Result) Result {
	switch {
	case dup.err != nil:
		res.Outcome, res.Err = Deferred, dup.err
		res.ReasonText = T("the store could not be searched: %s", dup.err.Error())
		res.Reason = res.ReasonText.String()
		return res
	case dup.found:
		res.Outcome, res.Document, res.FiledBy = Duplicate, dup.old, ""
	default:
		var doc chart.Document
		var err error
		if s != nil {
			s.held.let(nil)
			r := <-s.done
			doc, err = r.doc, r.err
		} else {
			doc, err = in.svc.AddDocument(content.reader(), d)
		}
		if err != nil && d.Patient != "" && !transient(err) {
			// Filing refused (the chart was merged or deleted since the
			// sheet was printed, ...): the inbox takes it instead.
			d.Note = joinNote(d.Note, note(noteNotFiled, err.Error()))
			d.Patient, d.ClinicalDate, res.FiledBy = "", "", ""
			doc, err = in.svc.AddDocument(content.reader(), d)
		}
		if err != nil {
			res.Outcome, res.Err = Deferred, err
			res.ReasonText = T("the document could not be stored: %s", err.Error())
			res.Reason = res.ReasonText.String()
			return res
		}
		res.Outcome, res.Document = Imported, doc
	}
	// Committed: only now does the original go.
	content.close()
	if err := finish(path, st, f.Archive); err != nil {
		res.ReasonText = T("stored, but the original could not be removed: %s", pathErr(err))
		res.Reason = res.ReasonText.String()
		res.Err = err
	}
	return res
}

// heldReader reads size bytes from r but holds the last one back until
// [heldReader.let] says whether the reading goes on (nil) or fails with
// an error.
type heldReader struct {
	r       io.ReaderAt
	size    int64
	off     int64
	verdict chan error
	decided bool
	err     error
}

func newHeldReader(r io.ReaderAt, size int64) *heldReader {
	return &heldReader{r: r, size: size, verdict: make(chan error, 1)}
}

func (h *heldReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	end := h.size - 1
	if h.off >= end {
		if !h.decided {
			h.err, h.decided = <-h.verdict, true
		}
		if h.err != nil {
			return 0, h.err
		}
		if h.off >= h.size {
			return 0, io.EOF
		}
		end = h.size
	}
	p = p[:min(int64(len(p)), end-h.off)]
	n, err := h.r.ReadAt(p, h.off)
	h.off += int64(n)
	if n < len(p) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // the file is shorter than it was
		}
		return n, err
	}
	return n, nil
}

// let gives the verdict; it is called once.
func (h *heldReader) let(err error) { h.verdict <- err }

// coverFile files a scan whose first page is cover sheet c (d.Patient,
// Category, ClinicalDate, Note) and returns the content to store, which
// lacks the cover page where one could be dropped.
func (in *Intake) coverFile(c chart.CoverSheet, data []byte, info Info, d *chart.Document, res *Result) ([]byte, error) {
	content := data
	today := in.now().Format("2006-01-02")
	switch info.Format {
	case TIFF:
		if info.Pages < 2 {
			return nil, problemf("the scan holds only a cover sheet; put the sheet on top of the pages and scan them together")
		}
		t, err := parseTIFF(data)
		if err != nil {
			return nil, err
		}
		if content, err = tiffFromPage(data, t, 1); err != nil {
			return nil, err
		}
		d.Pages--
	case JPEG, PNG:
		return nil, problemf("the image is only a cover sheet; scan the sheet and the pages behind it into one PDF or TIFF")
	case PDF:
		if info.Pages < 2 {
			return nil, problemf("the PDF holds only a cover sheet; put the sheet on top of the pages and scan them together")
		}
		if rest, err := dropFirstPDFPage(info); err == nil {
			content, d.Pages = rest, info.Pages-1
		} else {
			// A PDF that cannot be rewritten is filed whole.
			d.Note = joinNote(d.Note, note(noteCoverPage))
		}
	}
	switch {
	case c.PracticeID != in.svc.PracticeID():
		d.Note = joinNote(d.Note, note(noteOtherPractice))
	default:
		pid, err := in.svc.PatientByMRN(c.MRN)
		if err != nil || !in.samePatient(pid, c.PatientID) {
			d.Note = joinNote(d.Note, note(noteNoPatient, c.MRN))
			break
		}
		d.Patient, d.Category, d.ClinicalDate, res.FiledBy = pid, c.Category, today, "cover sheet"
	}
	return content, nil
}

// fileByName files a scan by folder f's filename rule, if it has one that
// the file's name matches (d.Patient, Category, ClinicalDate, Note).
func (in *Intake) fileByName(f Folder, d *chart.Document, res *Result) {
	if f.Rule == "" {
		return
	}
	r, err := in.rule(f.Rule)
	if err != nil {
		return
	}
	mrn, cat, ok := r.Match(filepath.Base(d.Source))
	if !ok {
		return
	}
	if cat == "" {
		cat = d.Category
	}
	if _, known := chart.CategoryByName(cat); !known {
		d.Note = joinNote(d.Note, note(noteBadCategory, cat))
		return
	}
	pid, err := in.svc.PatientByMRN(mrn)
	if err != nil || !chart.ValidMRN(mrn) {
		d.Note = joinNote(d.Note, note(noteNoMRN, mrn))
		return
	}
	d.Patient, d.Category, d.ClinicalDate, res.FiledBy = pid, cat, in.now().Format("2006-01-02"), "file name"
}

// dropFirstPDFPage rewrites a PDF without its first page.
func dropFirstPDFPage(info Info) ([]byte, error) {
	out := make([]pdfPageOut, 0, info.Pages-1)
	for i := 1; i < info.Pages; i++ {
		out = append(out, pdfPageOut{page: i})
	}
	return writePDF(info.pdf, out)
}

// samePatient reports whether the patient a cover sheet was printed for
// (sheetID) leads to pid, the patient its MRN finds now (directly or
// through a merge).
func (in *Intake) samePatient(pid, sheetID string) bool {
	for id, hops := sheetID, 0; id != "" && hops < 16; hops++ {
		if id == pid {
			return true
		}
		s, ok := in.svc.Summary(id)
		if !ok {
			return false
		}
		id = s.MergedInto
	}
	return false
}

func (in *Intake) rule(pattern string) (*Rule, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if r, ok := in.rules[pattern]; ok {
		return r, nil
	}
	r, err := ParseRule(pattern)
	if err == nil {
		in.rules[pattern] = r
	}
	return r, err
}

func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxFileSize {
				return nil, problemf("the file is larger than %d MB; split the scan", MaxFileSize>>20)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// changed reports whether the file at path is no longer the one that was
// read (written to, replaced or gone).
func changed(path string, was os.FileInfo) bool {
	now, err := os.Stat(path)
	return err != nil || !os.SameFile(now, was) || now.Size() != was.Size() || !now.ModTime().Equal(was.ModTime())
}

// finish removes the original, or moves it into the archive folder. A file
// that changed since it was read is left for the next round.
func finish(path string, was os.FileInfo, archive string) error {
	if changed(path, was) {
		return nil
	}
	if archive == "" {
		return os.Remove(path)
	}
	if err := os.MkdirAll(archive, 0o700); err != nil {
		return err
	}
	dst := freeName(archive, filepath.Base(path))
	err := os.Rename(path, dst)
	if errors.Is(err, syscall.EXDEV) {
		return copyAcross(path, dst)
	}
	return err
}

// freeName is name in dir, numbered "name (2).ext" when taken.
func freeName(dir, name string) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	p := filepath.Join(dir, name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = filepath.Join(dir, fmt.Sprintf("%s (%d)%s", stem, i, ext))
	}
}

// copyAcross moves a file to another file system: an atomic copy (see
// [atomicfile.Write]), and only then the original removed.
func copyAcross(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := atomicfile.Write(dst, 0o600, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	}); err != nil {
		return err
	}
	return os.Remove(src)
}

// transient reports whether a store error may pass (locked, busy, full)
// rather than being a refusal of the document.
func transient(err error) bool {
	return !errors.Is(err, chart.ErrInvalid) && !errors.Is(err, chart.ErrNotFound) && !errors.Is(err, chart.ErrPermission) && !errors.Is(err, chart.ErrMerged)
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Temporary reports whether a file name is one scanners and copy programs
// use while writing (".tmp", ".part", "~" at either end, hidden files):
// such files are ignored until renamed.
func Temporary(name string) bool {
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "~") || strings.HasPrefix(l, ".") ||
		strings.HasSuffix(l, "~") || strings.HasSuffix(l, ".tmp") || strings.HasSuffix(l, ".part") ||
		strings.HasPrefix(l, "tmp.") || strings.HasPrefix(l, "part.")
}
