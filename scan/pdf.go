package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// PDFs are read and written with pdfcpu. Reading indexes every object of
// the file (incremental updates and compressed object streams included)
// and the page tree; a PDF protected by an owner password only is read
// as any other (such a file opens without a password; what the owner
// password restricts is for viewers), one that needs a password to open
// is refused.
//
// Page editing (dropping a cover page, splitting, turning pages) writes a
// new file rather than appending an incremental update: it holds only the
// pages asked for and the objects they reach (content streams, images,
// fonts), each page with the attributes it inherits from its page tree
// (resources, media box, rotation) written into it, so the part of a
// split scan filed into one chart carries nothing of the pages filed
// elsewhere. A turn goes into the page's /Rotate. What belongs to the
// document as a whole (outlines, tags, the document information
// dictionary) is not kept: scans have none that matter. The new file is
// not encrypted.
//
// The rewrite is deterministic, which pdfcpu's writer alone is not: it
// numbers the objects it copies and lays them out in the order of Go's
// map iteration, and it stamps each file with the time (the information
// dictionary's dates and the file identifier). So the objects of the new
// file are numbered in the order they are reached from its catalog
// (dictionary keys in sorted order) before it is written, laid out in
// that order after, the dates are blanked and the identifier is worked
// out from the file's content. The same pages of the same scan always
// make the same bytes, and a scan taken twice is found as a duplicate.

// errPDFPassword is the reason given for a PDF that needs a password.
var errPDFPassword = problemf("this PDF needs a password to open; save it again without a password and drop it back in")

var pdfConfigOnce sync.Once

// pdfConf is pdfcpu's configuration for scans: relaxed validation, no
// configuration folder of pdfcpu's own, and files written with a plain
// cross-reference table and no object streams.
func pdfConf() *model.Configuration {
	pdfConfigOnce.Do(api.DisableConfigDir)
	c := model.NewDefaultConfiguration()
	c.ValidationMode = model.ValidationRelaxed
	c.WriteObjectStream = false
	c.WriteXRefStream = false
	c.Optimize = false
	c.OptimizeBeforeWriting = false
	c.Offline = true
	return c
}

// safely runs f, turning a panic of pdfcpu's on a damaged file into an
// error.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdfcpu: %v", r)
		}
	}()
	return f()
}

// readPDF reads a PDF and its page count. A file without the %%EOF marker
// near its end was cut off.
func readPDF(b []byte) (*model.Context, error) {
	return readPDFFrom(bytes.NewReader(b), int64(len(b)), func() (*model.Context, error) {
		ctx, err := pdfcpuRead(bytes.NewReader(b))
		if err == nil {
			shareStreams(ctx, b)
		}
		return ctx, err
	})
}

// pdfcpuRead is pdfcpu's reading of a whole PDF from rs.
func pdfcpuRead(rs io.ReadSeeker) (*model.Context, error) {
	var ctx *model.Context
	err := safely(func() error {
		var err error
		ctx, err = api.ReadContext(rs, pdfConf())
		return err
	})
	return ctx, err
}

// readPDFFrom checks the end of the size bytes of r for the %%EOF marker,
// reads the PDF with read and takes its page count.
func readPDFFrom(r io.ReaderAt, size int64, read func() (*model.Context, error)) (*model.Context, error) {
	tail := make([]byte, min(size, 2048))
	if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return nil, err
	}
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return nil, problemf("the PDF is cut off or damaged (no end-of-file marker); scan it again")
	}
	ctx, err := read()
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return nil, errPDFPassword
	case err != nil:
		return nil, problemf("the PDF is damaged: it holds no objects that can be read (%s)", pdfcpuReason(err))
	}
	err = safely(ctx.EnsurePageCount)
	if err != nil || ctx.PageCount <= 0 {
		return nil, problemf("the PDF is damaged: no pages were found in it")
	}
	if ctx.PageCount > maxPDFPages {
		return nil, problemf("the PDF says it has %d pages; at most %d are taken", ctx.PageCount, maxPDFPages)
	}
	return ctx, nil
}

const maxPDFPages = 10000

// largeStream is the size from which a stream read by pdfcpu is shared
// with the file's bytes (shareStreams) or left in the file
// (readLeavingStreams).
const largeStream = 64 << 10

// shareStreams points the large streams pdfcpu read (a scan's page
// images: nearly all of the file) at their bytes in b instead of pdfcpu's
// copies, so a scan is held in memory once, not twice. Only a stream
// stored as it was read (not encrypted) is shared, with its capacity cut
// to its length so that nothing written to it can reach the rest of b.
func shareStreams(ctx *model.Context, b []byte) {
	for _, e := range ctx.Table {
		sd, ok := storedStream(e)
		if !ok || sd.StreamOffset > int64(len(b)-len(sd.Raw)) {
			continue
		}
		off := int(sd.StreamOffset)
		in := b[off : off+len(sd.Raw) : off+len(sd.Raw)]
		if !bytes.Equal(in, sd.Raw) {
			continue
		}
		if len(sd.Content) > 0 && &sd.Content[0] == &sd.Raw[0] {
			sd.Content = in[:len(sd.Content):len(sd.Content)]
		}
		sd.Raw = in
		e.Object = sd
	}
}

// storedStream is e's object when it is a large stream that pdfcpu read
// from the file.
func storedStream(e *model.XRefTableEntry) (types.StreamDict, bool) {
	if e == nil || e.Free || e.Compressed {
		return types.StreamDict{}, false
	}
	sd, ok := e.Object.(types.StreamDict)
	if !ok || len(sd.Raw) < largeStream || sd.StreamOffset < 0 {
		return types.StreamDict{}, false
	}
	return sd, true
}

// leftStreams are the large streams of a PDF that intake read from its
// file and left there (see readLeavingStreams): a scan's page images are
// nearly all of it. Holding them would hold the scan in memory while it
// is sealed; they are read from the file only when a page is drawn (the
// cover look: page 1) or the file rewritten (a cover page dropped).
type leftStreams struct {
	src     io.ReaderAt
	left    map[int]leftStream // by object number
	skimmed int                // how many pdfcpu never read (see readLeavingStreams)
}

type leftStream struct {
	off     int64
	n       int
	content int // the length of the stream's Content (the same bytes); -1 for none
}

// leaveStreams drops pdfcpu's copies of the large streams of ctx, read
// from src, whose bytes are there as pdfcpu read them (checked), and
// notes where they are in l.
func (l *leftStreams) leaveStreams(ctx *model.Context, size int64) {
	buf := make([]byte, largeStream)
	for n, e := range ctx.Table {
		sd, ok := storedStream(e)
		if !ok || sd.StreamOffset > size-int64(len(sd.Raw)) {
			continue
		}
		if len(sd.Content) > 0 && &sd.Content[0] != &sd.Raw[0] {
			continue // decoded or decrypted apart: pdfcpu's copy is what counts
		}
		if !sameAt(l.src, sd.StreamOffset, sd.Raw, buf) {
			continue
		}
		l.leave(e, n, sd)
	}
}

// leave drops stream sd, object n of entry e, from the context: its bytes
// are read from the file when they are needed.
func (l *leftStreams) leave(e *model.XRefTableEntry, n int, sd types.StreamDict) {
	s := leftStream{off: sd.StreamOffset, n: len(sd.Raw), content: -1}
	if len(sd.Content) > 0 {
		s.content = len(sd.Content)
	}
	sd.Raw, sd.Content = nil, nil
	e.Object = sd
	l.left[n] = s
}

// readLeavingStreams reads the PDF of size bytes in src with pdfcpu, its
// large streams left in the file (see leftStreams).
//
// pdfcpu reads every stream whole, a scan's page images too, though
// reading a PDF's objects and page tree needs none of them: a stream's
// bytes are only looked at when a page is drawn or written. So the file
// is first read skimming (see skimReader): pdfcpu is given zeros instead
// of the bytes of any large read, which is then not made, and the result
// is kept only when every read skipped so is one of these streams, read
// whole where its dictionary says it is, of a file that is not
// encrypted: stream content that pdfcpu decodes as it reads (object
// streams, cross-reference streams, encrypted streams) is then never
// zeros. Otherwise, or when the skimming read fails, the file is read
// again, every byte, and the large streams whose bytes pdfcpu read are
// the file's (checked) are left in it.
func readLeavingStreams(src io.ReaderAt, size int64) (*model.Context, *leftStreams, error) {
	l := &leftStreams{src: src, left: map[int]leftStream{}}
	skim := &skimReader{r: src, size: size, skipped: map[*byte]skippedRead{}}
	if ctx, err := pdfcpuRead(skim); err == nil && skim.account(ctx, l) {
		l.leaveStreams(ctx, size)
		return ctx, l, nil
	}
	clear(l.left)
	l.skimmed = 0
	ctx, err := pdfcpuRead(io.NewSectionReader(src, 0, size))
	if err != nil {
		return nil, nil, err
	}
	l.leaveStreams(ctx, size)
	return ctx, l, nil
}

// skimReader reads size bytes of r as an io.ReadSeeker, except that a
// read of largeStream bytes or more that ends within the file is not
// made: it is noted, and the buffer is left as it is (pdfcpu reads a
// stream into a new buffer, which holds zeros). See readLeavingStreams.
type skimReader struct {
	r       io.ReaderAt
	size    int64
	pos     int64
	skipped map[*byte]skippedRead // by the buffer's first byte
}

// skippedRead is a read that a skimReader did not make.
type skippedRead struct {
	off int64
	n   int
}

func (s *skimReader) Read(p []byte) (int, error) {
	if s.pos >= s.size {
		return 0, io.EOF
	}
	if len(p) >= largeStream && int64(len(p)) <= s.size-s.pos {
		s.skipped[&p[0]] = skippedRead{s.pos, len(p)}
		s.pos += int64(len(p))
		return len(p), nil
	}
	p = p[:min(int64(len(p)), s.size-s.pos)]
	n, err := s.r.ReadAt(p, s.pos)
	s.pos += int64(n)
	if err == io.EOF && n == len(p) {
		err = nil
	}
	return n, err
}

func (s *skimReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += s.pos
	case io.SeekEnd:
		off += s.size
	case io.SeekStart:
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if off < 0 {
		return 0, errors.New("seek: invalid offset")
	}
	s.pos = off
	return off, nil
}

// account leaves in l the streams of ctx that pdfcpu read through s
// without their bytes, and reports whether every read s skipped is such
// a stream: a stream object of a file that is not encrypted, read whole
// from where its dictionary says it starts and not decoded. pdfcpu
// decodes nothing else of such a stream as it reads a file, so what it
// read is the file's, but for those bytes.
func (s *skimReader) account(ctx *model.Context, l *leftStreams) bool {
	if len(s.skipped) == 0 {
		return true
	}
	if ctx.EncKey != nil || ctx.Encrypt != nil {
		return false
	}
	for n, e := range ctx.Table {
		if e == nil || e.Free || e.Compressed {
			continue
		}
		sd, ok := e.Object.(types.StreamDict)
		if !ok || len(sd.Raw) == 0 {
			continue
		}
		r, ok := s.skipped[&sd.Raw[0]]
		if !ok {
			continue
		}
		if r.off != sd.StreamOffset || r.n != len(sd.Raw) || len(sd.Content) > 0 {
			return false
		}
		delete(s.skipped, &sd.Raw[0])
		l.leave(e, n, sd)
		l.skimmed++
	}
	return len(s.skipped) == 0
}

// sameAt reports whether src holds b at off; buf is scratch space.
func sameAt(src io.ReaderAt, off int64, b, buf []byte) bool {
	for len(b) > 0 {
		k := min(len(b), len(buf))
		if _, err := src.ReadAt(buf[:k], off); err != nil || !bytes.Equal(buf[:k], b[:k]) {
			return false
		}
		b, off = b[k:], off+int64(k)
	}
	return true
}

// load reads stream n back into ctx if it was left in the file. With
// data not nil (the whole file, read since), the stream is pointed at
// its bytes there rather than read again.
func (l *leftStreams) load(ctx *model.Context, n int, data []byte) error {
	s, ok := l.left[n]
	if !ok {
		return nil
	}
	e := ctx.Table[n]
	sd, ok := e.Object.(types.StreamDict)
	if !ok {
		return fmt.Errorf("object %d is no longer a stream", n)
	}
	var b []byte
	if data != nil {
		if s.off+int64(s.n) > int64(len(data)) {
			return errors.New("the file is shorter than when it was read")
		}
		b = data[s.off : s.off+int64(s.n) : s.off+int64(s.n)]
	} else {
		b = make([]byte, s.n)
		if _, err := l.src.ReadAt(b, s.off); err != nil {
			return err
		}
	}
	sd.Raw = b
	if s.content >= 0 {
		sd.Content = b[:s.content:s.content]
	}
	e.Object = sd
	delete(l.left, n)
	return nil
}

// loadPage reads back the streams page n (1-based) of ctx reaches: its
// contents and resources, inherited ones included.
func (l *leftStreams) loadPage(ctx *model.Context, n int) error {
	if l == nil || len(l.left) == 0 {
		return nil
	}
	return safely(func() error {
		pg, _, inh, err := ctx.PageDict(n, false)
		if err != nil {
			return err
		}
		if pg == nil {
			return fmt.Errorf("the PDF has no page %d", n)
		}
		seen := map[int]bool{}
		var walk func(o types.Object) error
		walk = func(o types.Object) error {
			switch v := o.(type) {
			case types.IndirectRef:
				k := v.ObjectNumber.Value()
				if seen[k] {
					return nil
				}
				seen[k] = true
				if err := l.load(ctx, k, nil); err != nil {
					return err
				}
				if e, ok := ctx.Table[k]; ok && e != nil && !e.Free {
					return walk(e.Object)
				}
			case types.Dict:
				for key, x := range v {
					if key == "Parent" { // the page tree: other pages
						continue
					}
					if err := walk(x); err != nil {
						return err
					}
				}
			case types.StreamDict:
				return walk(v.Dict)
			case types.Array:
				for _, x := range v {
					if err := walk(x); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if err := walk(pg); err != nil {
			return err
		}
		if inh != nil && inh.Resources != nil {
			return walk(inh.Resources)
		}
		return nil
	})
}

// loadAll points every stream left in the file at its bytes in data, the
// whole file read since.
func (l *leftStreams) loadAll(ctx *model.Context, data []byte) error {
	if l == nil {
		return nil
	}
	for n := range l.left {
		if err := l.load(ctx, n, data); err != nil {
			return err
		}
	}
	return nil
}

// pdfcpuReason is a pdfcpu error for a reason line.
func pdfcpuReason(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimPrefix(s, "pdfcpu: ")
}

// pdfPageOut is one page of a rewritten PDF: page (0-based) of the
// source, turned clockwise by turn degrees (a multiple of 90).
type pdfPageOut struct {
	page, turn int
}

// writePDF makes a new PDF of the given pages of ctx (see above).
func writePDF(ctx *model.Context, out []pdfPageOut) ([]byte, error) {
	nums := make([]int, len(out))
	for i, p := range out {
		if p.page < 0 || p.page >= ctx.PageCount {
			return nil, fmt.Errorf("the PDF has no page %d", p.page+1)
		}
		nums[i] = p.page + 1
	}
	var buf bytes.Buffer
	err := safely(func() error {
		dst, err := pdfcpu.ExtractPages(ctx, nums, false)
		if err != nil {
			return err
		}
		if err := dst.EnsurePageCount(); err != nil {
			return err
		}
		for i, p := range out {
			d, _, _, err := dst.PageDict(i+1, false)
			if err != nil {
				return err
			}
			if d == nil {
				return fmt.Errorf("page %d is missing", i+1)
			}
			rot := 0
			if r := d.IntEntry("Rotate"); r != nil {
				rot = *r
			}
			if rot = ((rot+p.turn)%360 + 360) % 360; rot != 0 {
				d.Update("Rotate", types.Integer(rot))
			} else {
				d.Delete("Rotate")
			}
		}
		if err := renumber(dst); err != nil {
			return err
		}
		if err := api.WriteContext(dst, &buf); err != nil {
			return err
		}
		b, err := relayout(dst, buf.Bytes())
		if err != nil {
			return err
		}
		buf.Reset()
		buf.Write(b)
		return unstamp(dst, buf.Bytes())
	})
	if err != nil {
		return nil, problemf("the PDF is damaged and its pages cannot be changed (%s)", pdfcpuReason(err))
	}
	return buf.Bytes(), nil
}

// renumber numbers the objects of ctx 1, 2, ... in the order they are
// reached from its catalog, dictionary keys in sorted order. Objects that
// nothing reaches are dropped.
func renumber(ctx *model.Context) error {
	if ctx.Root == nil {
		return errors.New("the new file has no catalog")
	}
	num := map[int]int{}
	var order []int
	var visit func(o types.Object)
	visit = func(o types.Object) {
		switch v := o.(type) {
		case types.IndirectRef:
			n := v.ObjectNumber.Value()
			if _, ok := num[n]; ok {
				return
			}
			e, ok := ctx.Table[n]
			if !ok || e == nil || e.Free || e.Object == nil {
				return
			}
			order = append(order, n)
			num[n] = len(order)
			visit(e.Object)
		case types.Dict:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				visit(v[k])
			}
		case types.StreamDict:
			visit(v.Dict)
		case types.Array:
			for _, e := range v {
				visit(e)
			}
		}
	}
	visit(*ctx.Root)
	var remap func(o types.Object) types.Object
	remap = func(o types.Object) types.Object {
		switch v := o.(type) {
		case types.IndirectRef:
			if n, ok := num[v.ObjectNumber.Value()]; ok {
				return *types.NewIndirectRef(n, 0)
			}
			return nil
		case types.Dict:
			d := types.Dict{}
			for k, e := range v {
				d[k] = remap(e)
			}
			return d
		case types.StreamDict:
			v.Dict = remap(v.Dict).(types.Dict)
			if v.StreamLengthObjNr != nil {
				n := num[*v.StreamLengthObjNr]
				v.StreamLengthObjNr = &n
			}
			return v
		case types.Array:
			a := make(types.Array, len(v))
			for i, e := range v {
				a[i] = remap(e)
			}
			return a
		}
		return o
	}
	table := map[int]*model.XRefTableEntry{0: model.NewFreeHeadXRefTableEntry()}
	for i, n := range order {
		table[i+1] = model.NewXRefTableEntryGen0(remap(ctx.Table[n].Object))
	}
	root := num[ctx.Root.ObjectNumber.Value()]
	rootDict, ok := table[root].Object.(types.Dict)
	if !ok {
		return errors.New("the new file's catalog is not a dictionary")
	}
	size := len(order) + 1
	ctx.Table, ctx.Size, ctx.Info, ctx.ID = table, &size, nil, nil
	ctx.Root, ctx.RootDict = types.NewIndirectRef(root, 0), rootDict
	return nil
}

// relayout puts the objects of b, a file pdfcpu wrote from ctx, in the
// order of their numbers, with a new cross-reference table.
func relayout(ctx *model.Context, b []byte) ([]byte, error) {
	type at struct {
		num int
		off int64
	}
	var objs []at
	for n, off := range ctx.Write.Table {
		if n > 0 {
			objs = append(objs, at{n, off})
		}
	}
	xref := bytes.LastIndex(b, []byte("\nxref\n"))
	trailer := bytes.LastIndex(b, []byte("\ntrailer\n"))
	startxref := bytes.LastIndex(b, []byte("\nstartxref\n"))
	if len(objs) == 0 || xref < 0 || trailer < xref || startxref < trailer {
		return nil, errors.New("the new file is not laid out as expected")
	}
	slices.SortFunc(objs, func(a, b at) int { return int(a.off - b.off) })
	body := make(map[int][]byte, len(objs))
	for i, o := range objs {
		end := int64(xref + 1)
		if i+1 < len(objs) {
			end = objs[i+1].off
		}
		if o.off < 0 || o.off > end || end > int64(len(b)) {
			return nil, errors.New("the new file is not laid out as expected")
		}
		body[o.num] = b[o.off:end]
	}
	slices.SortFunc(objs, func(a, b at) int { return a.num - b.num })
	head := b[:objs[0].off]
	for _, o := range objs {
		if o.off < int64(len(head)) {
			head = b[:o.off]
		}
	}
	out := bytes.NewBuffer(make([]byte, 0, len(b)))
	out.Write(head)
	offsets := map[int]int{}
	for _, o := range objs {
		offsets[o.num] = out.Len()
		out.Write(body[o.num])
	}
	x := out.Len()
	last := objs[len(objs)-1].num
	fmt.Fprintf(out, "xref\n0 %d\n0000000000 65535 f \n", last+1)
	for n := 1; n <= last; n++ {
		if off, ok := offsets[n]; ok {
			fmt.Fprintf(out, "%010d 00000 n \n", off)
		} else {
			out.WriteString("0000000000 00000 f \n")
		}
	}
	out.Write(b[trailer+1 : startxref+1])
	fmt.Fprintf(out, "startxref\n%d\n%%%%EOF\n", x)
	return out.Bytes(), nil
}

// unstamp takes the time out of a file pdfcpu wrote from ctx, in place:
// the information dictionary's dates become white space (a dictionary
// may hold any amount) and the file identifier is a hash of the rest.
// Every replacement keeps the length, so the cross-reference table stays
// right.
func unstamp(ctx *model.Context, b []byte) error {
	if ctx.Info != nil {
		info, err := ctx.DereferenceDict(*ctx.Info)
		if err != nil {
			return err
		}
		for _, k := range []string{"CreationDate", "ModDate"} {
			v, ok := info.Find(k)
			if !ok {
				continue
			}
			s, ok := v.(types.StringLiteral)
			if !ok {
				return fmt.Errorf("unexpected %s %v", k, v)
			}
			if err := blank(b, "/"+k+"("+string(s)+")"); err != nil {
				return err
			}
		}
	}
	if len(ctx.ID) != 2 {
		return nil
	}
	var ids [][]byte
	for _, v := range ctx.ID {
		h, ok := v.(types.HexLiteral)
		if !ok {
			return fmt.Errorf("unexpected file identifier %v", v)
		}
		ids = append(ids, []byte("<"+string(h)+">"))
	}
	at := bytes.LastIndex(b, []byte("/ID["))
	if at < 0 {
		return errors.New("the file identifier was not found")
	}
	// The identifier's second half is the time-stamped one (the first is
	// kept from the source when it had one; a new file has none).
	for _, id := range ids {
		i := bytes.Index(b[at:], id)
		if i < 0 {
			return errors.New("the file identifier was not found")
		}
		for k := at + i + 1; k < at+i+len(id)-1; k++ {
			b[k] = '0'
		}
	}
	sum := sha256.Sum256(b)
	digits := hex.EncodeToString(sum[:])
	for _, id := range ids {
		i := bytes.Index(b[at:], bytes.Repeat([]byte("0"), len(id)-2))
		copy(b[at+i:at+i+len(id)-2], digits)
		at += i + len(id) - 2
	}
	return nil
}

// blank overwrites the one occurrence of s in b with spaces.
func blank(b []byte, s string) error {
	i := bytes.Index(b, []byte(s))
	if i < 0 {
		return fmt.Errorf("%q was not found", s)
	}
	for k := i; k < i+len(s); k++ {
		b[k] = ' '
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}
