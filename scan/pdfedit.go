package scan

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// PDF page editing (dropping a cover page, splitting, turning pages)
// rewrites the file rather than appending an incremental update: the new
// file holds only the pages asked for and the objects they reach (their
// content streams, images, fonts), so the part of a split scan filed into
// one chart carries nothing of the pages filed elsewhere. Objects are read
// from the whole file (a later definition of an object number replacing an
// earlier one, as incremental updates do, and objects packed into
// compressed object streams included); each page gets the attributes it
// inherits from its page tree (resources, media box, crop box, rotation)
// written into it. What belongs to the document as a whole (outlines,
// forms, tags, the document information dictionary) is not kept: scans
// have none that matter. Encrypted PDFs are refused.

// pdfName, pdfDict, pdfArray, pdfRef and pdfRaw are the parsed values of a
// PDF object. Strings, numbers and keywords stay as their bytes (pdfRaw),
// so they are written back exactly as read.
type (
	pdfName  string
	pdfArray []any
	pdfRef   struct{ num, gen int }
	pdfRaw   []byte
	pdfDict  struct{ kv []pdfKV }
	pdfKV    struct {
		k pdfName
		v any
	}
)

func (d *pdfDict) get(k pdfName) any {
	for _, e := range d.kv {
		if e.k == k {
			return e.v
		}
	}
	return nil
}

func (d *pdfDict) set(k pdfName, v any) {
	for i, e := range d.kv {
		if e.k == k {
			d.kv[i].v = v
			return
		}
	}
	d.kv = append(d.kv, pdfKV{k, v})
}

func (d *pdfDict) del(k pdfName) {
	for i, e := range d.kv {
		if e.k == k {
			d.kv = append(d.kv[:i], d.kv[i+1:]...)
			return
		}
	}
}

var errPDFSyntax = errors.New("PDF syntax error")

// pdfLexer reads PDF values from b at i.
type pdfLexer struct {
	b []byte
	i int
}

func (l *pdfLexer) skip() {
	for l.i < len(l.b) {
		c := l.b[l.i]
		if isSpace(c) {
			l.i++
		} else if c == '%' {
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
		} else {
			return
		}
	}
}

func (l *pdfLexer) word() []byte {
	s := l.i
	for l.i < len(l.b) && isRegular(l.b[l.i]) {
		l.i++
	}
	return l.b[s:l.i]
}

func isInt(w []byte) bool {
	if len(w) == 0 || len(w) > 10 {
		return false
	}
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (l *pdfLexer) value(depth int) (any, error) {
	if depth > 64 {
		return nil, errPDFSyntax
	}
	l.skip()
	if l.i >= len(l.b) {
		return nil, errPDFSyntax
	}
	switch c := l.b[l.i]; {
	case c == '/':
		l.i++
		return pdfName(l.word()), nil
	case c == '<' && l.i+1 < len(l.b) && l.b[l.i+1] == '<':
		l.i += 2
		d := &pdfDict{}
		for {
			l.skip()
			if l.i+1 < len(l.b) && l.b[l.i] == '>' && l.b[l.i+1] == '>' {
				l.i += 2
				return d, nil
			}
			k, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			name, ok := k.(pdfName)
			if !ok {
				return nil, errPDFSyntax
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d.kv = append(d.kv, pdfKV{name, v})
		}
	case c == '<':
		e := bytes.IndexByte(l.b[l.i:], '>')
		if e < 0 {
			return nil, errPDFSyntax
		}
		s := l.b[l.i : l.i+e+1]
		l.i += e + 1
		return pdfRaw(s), nil
	case c == '(':
		s, nest := l.i, 0
		for l.i < len(l.b) {
			switch l.b[l.i] {
			case '\\':
				l.i++
			case '(':
				nest++
			case ')':
				nest--
				if nest == 0 {
					l.i++
					return pdfRaw(l.b[s:l.i]), nil
				}
			}
			l.i++
		}
		return nil, errPDFSyntax
	case c == '[':
		l.i++
		var a pdfArray
		for {
			l.skip()
			if l.i < len(l.b) && l.b[l.i] == ']' {
				l.i++
				return a, nil
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case isRegular(c):
		w := l.word()
		if isInt(w) {
			// "N G R" is a reference.
			save := l.i
			l.skip()
			g := l.word()
			l.skip()
			if isInt(g) && l.i < len(l.b) && l.b[l.i] == 'R' && (l.i+1 == len(l.b) || !isRegular(l.b[l.i+1])) {
				l.i++
				n, _ := strconv.Atoi(string(w))
				gen, _ := strconv.Atoi(string(g))
				return pdfRef{n, gen}, nil
			}
			l.i = save
		}
		if len(w) == 0 {
			return nil, errPDFSyntax
		}
		return pdfRaw(w), nil
	}
	return nil, errPDFSyntax
}

// pdfObject is one indirect object: its value and, for a stream, the raw
// (still encoded) stream data.
type pdfObject struct {
	v      any
	stream []byte
}

// pdfFile is a parsed PDF: its objects by number and its pages in order.
type pdfFile struct {
	objs  map[int]*pdfObject
	root  *pdfDict
	pages []*pdfDict // leaves, with inherited attributes written in
	nums  []int      // object number of each page
}

const maxPDFPages = 10000

// parsePDF reads every object of b and walks its page tree.
func parsePDF(b []byte) (*pdfFile, error) {
	damaged := problemf("the PDF is damaged and its pages cannot be changed")
	f := &pdfFile{objs: map[int]*pdfObject{}}
	var trailers []*pdfDict
	for pos := 0; ; {
		i := bytes.Index(b[pos:], []byte("obj"))
		if i < 0 {
			break
		}
		i += pos
		pos = i + 3
		num, ok := objHeader(b, i)
		if !ok {
			continue
		}
		l := &pdfLexer{b: b, i: pos}
		v, err := l.value(0)
		if err != nil {
			continue
		}
		o := &pdfObject{v: v}
		l.skip()
		if bytes.HasPrefix(b[l.i:], []byte("stream")) {
			s := l.i + len("stream")
			if s < len(b) && b[s] == '\r' {
				s++
			}
			if s < len(b) && b[s] == '\n' {
				s++
			}
			d, _ := v.(*pdfDict)
			n := -1
			if d != nil {
				if r, ok := d.get("Length").(pdfRaw); ok && isInt(r) {
					n, _ = strconv.Atoi(string(r))
				}
			}
			if n < 0 || s+n > len(b) || !bytes.HasPrefix(bytes.TrimLeft(b[s+n:min(len(b), s+n+16)], "\r\n \t"), []byte("endstream")) {
				e := bytes.Index(b[s:], []byte("endstream"))
				if e < 0 {
					continue
				}
				n = e
				for n > 0 && (b[s+n-1] == '\n' || b[s+n-1] == '\r') {
					n--
				}
			}
			o.stream = b[s : s+n]
			pos = s + n
			if d != nil {
				switch d.get("Type") {
				case pdfName("ObjStm"):
					f.unpack(d, o.stream)
				case pdfName("XRef"):
					trailers = append(trailers, d)
				}
			}
		} else {
			pos = l.i
		}
		f.objs[num] = o
	}
	for pos := 0; ; {
		i := bytes.Index(b[pos:], []byte("trailer"))
		if i < 0 {
			break
		}
		pos += i + len("trailer")
		l := &pdfLexer{b: b, i: pos}
		if v, err := l.value(0); err == nil {
			if d, ok := v.(*pdfDict); ok {
				trailers = append(trailers, d)
			}
		}
	}
	var trailer *pdfDict
	for _, t := range trailers {
		if t.get("Root") != nil {
			trailer = t // the last one wins
		}
	}
	var root *pdfDict
	if trailer != nil {
		if trailer.get("Encrypt") != nil {
			return nil, problemf("the PDF is protected by a password; its pages cannot be changed")
		}
		root, _ = f.resolve(trailer.get("Root")).(*pdfDict)
	} else {
		// No trailer was found (a damaged cross-reference section): the
		// catalog is the object that says it is one.
		for _, o := range f.objs {
			if d, ok := o.v.(*pdfDict); ok && d.get("Type") == pdfName("Catalog") {
				if root != nil {
					return nil, damaged
				}
				root = d
			}
		}
	}
	if root == nil {
		return nil, damaged
	}
	f.root = root
	seen := map[int]bool{}
	if err := f.walk(root.get("Pages"), &pdfDict{}, seen, 0); err != nil {
		return nil, err
	}
	if len(f.pages) == 0 {
		return nil, problemf("the PDF is damaged: no pages were found in it")
	}
	return f, nil
}

// unpack adds the objects of a compressed object stream.
func (f *pdfFile) unpack(d *pdfDict, data []byte) {
	if d.get("Filter") != pdfName("FlateDecode") {
		if a, ok := d.get("Filter").(pdfArray); !ok || len(a) != 1 || a[0] != pdfName("FlateDecode") {
			return
		}
	}
	first, _ := strconv.Atoi(string(asRaw(d.get("First"))))
	n, _ := strconv.Atoi(string(asRaw(d.get("N"))))
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(zr, maxObjStm))
	if first <= 0 || first > len(raw) {
		return
	}
	head := bytes.Fields(raw[:first])
	for k := 0; k+1 < len(head) && k/2 < n; k += 2 {
		num, err1 := strconv.Atoi(string(head[k]))
		off, err2 := strconv.Atoi(string(head[k+1]))
		if err1 != nil || err2 != nil || off < 0 || first+off > len(raw) {
			return
		}
		l := &pdfLexer{b: raw, i: first + off}
		if v, err := l.value(0); err == nil {
			f.objs[num] = &pdfObject{v: v}
		}
	}
}

func asRaw(v any) []byte {
	r, _ := v.(pdfRaw)
	return r
}

// resolve follows a reference (a missing object is null, nil here).
func (f *pdfFile) resolve(v any) any {
	for k := 0; k < 8; k++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		o := f.objs[r.num]
		if o == nil {
			return nil
		}
		v = o.v
	}
	return nil
}

var inherited = []pdfName{"Resources", "MediaBox", "CropBox", "Rotate"}

// walk collects the page leaves under node, writing inherited attributes
// into copies of them.
func (f *pdfFile) walk(node any, inh *pdfDict, seen map[int]bool, depth int) error {
	ref, ok := node.(pdfRef)
	if !ok || seen[ref.num] || depth > 64 || len(f.pages) > maxPDFPages {
		return problemf("the PDF is damaged (its page tree is broken)")
	}
	seen[ref.num] = true
	d, _ := f.resolve(ref).(*pdfDict)
	if d == nil {
		return problemf("the PDF is damaged (a page is missing)")
	}
	if kids, ok := f.resolve(d.get("Kids")).(pdfArray); ok && d.get("Type") != pdfName("Page") {
		next := &pdfDict{kv: append([]pdfKV(nil), inh.kv...)}
		for _, k := range inherited {
			if v := d.get(k); v != nil {
				next.set(k, v)
			}
		}
		for _, kid := range kids {
			if err := f.walk(kid, next, seen, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	page := &pdfDict{kv: append([]pdfKV(nil), d.kv...)}
	for _, e := range inh.kv {
		if page.get(e.k) == nil {
			page.set(e.k, e.v)
		}
	}
	if page.get("MediaBox") == nil {
		page.set("MediaBox", pdfArray{pdfRaw("0"), pdfRaw("0"), pdfRaw("612"), pdfRaw("792")})
	}
	f.pages = append(f.pages, page)
	f.nums = append(f.nums, ref.num)
	return nil
}

// pdfPageOut is one page of a rewritten PDF: page (0-based) of the
// source, turned clockwise by turn degrees (a multiple of 90).
type pdfPageOut struct {
	page, turn int
}

// write makes a new PDF of the given pages.
func (f *pdfFile) write(out []pdfPageOut) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	newNum := map[int]int{} // source object number → output number
	var queue []int
	next := 3 // 1 is the catalog, 2 the page tree
	isPage := map[int]bool{}
	for _, n := range f.nums {
		isPage[n] = true
	}
	// Pages are numbered first so that references between them (links,
	// annotations) stay; references to pages not kept become null.
	pageNums := make([]int, len(out))
	for i, p := range out {
		if p.page < 0 || p.page >= len(f.pages) {
			return nil, fmt.Errorf("the PDF has no page %d", p.page+1)
		}
		pageNums[i] = next
		if _, ok := newNum[f.nums[p.page]]; !ok {
			newNum[f.nums[p.page]] = next
		}
		next++
	}
	var mapRefs func(v any) any
	mapRefs = func(v any) any {
		switch v := v.(type) {
		case pdfRef:
			if n, ok := newNum[v.num]; ok {
				return pdfRef{n, 0}
			}
			if isPage[v.num] || f.objs[v.num] == nil {
				return pdfRaw("null")
			}
			if d, ok := f.objs[v.num].v.(*pdfDict); ok && d.get("Type") == pdfName("Pages") {
				return pdfRaw("null")
			}
			newNum[v.num] = next
			queue = append(queue, v.num)
			next++
			return pdfRef{newNum[v.num], 0}
		case *pdfDict:
			d := &pdfDict{kv: make([]pdfKV, len(v.kv))}
			for i, e := range v.kv {
				d.kv[i] = pdfKV{e.k, mapRefs(e.v)}
			}
			return d
		case pdfArray:
			a := make(pdfArray, len(v))
			for i, e := range v {
				a[i] = mapRefs(e)
			}
			return a
		}
		return v
	}
	type pending struct {
		num int
		v   any
		s   []byte
	}
	var objs []pending
	kids := make(pdfArray, len(out))
	for i, p := range out {
		pg := mapRefs(f.pages[p.page]).(*pdfDict)
		pg.set("Parent", pdfRef{2, 0})
		rot, _ := strconv.Atoi(string(asRaw(f.resolve(f.pages[p.page].get("Rotate")))))
		rot = ((rot+p.turn)%360 + 360) % 360
		if rot != 0 {
			pg.set("Rotate", pdfRaw(strconv.Itoa(rot)))
		} else {
			pg.del("Rotate")
		}
		objs = append(objs, pending{num: pageNums[i], v: pg})
		kids[i] = pdfRef{pageNums[i], 0}
	}
	for len(queue) > 0 {
		src := queue[0]
		queue = queue[1:]
		o := f.objs[src]
		v := o.v
		if d, ok := v.(*pdfDict); ok && o.stream != nil {
			// The length is written directly (it may have been an object
			// of its own).
			d = &pdfDict{kv: append([]pdfKV(nil), d.kv...)}
			d.set("Length", pdfRaw(strconv.Itoa(len(o.stream))))
			v = d
		}
		v = mapRefs(v)
		objs = append(objs, pending{num: newNum[src], v: v, s: o.stream})
	}
	offsets := make([]int, next)
	emit := func(num int, v any, s []byte) {
		offsets[num] = w.Len()
		fmt.Fprintf(&w, "%d 0 obj\n", num)
		writePDFValue(&w, v)
		if s != nil {
			w.WriteString("\nstream\n")
			w.Write(s)
			w.WriteString("\nendstream")
		}
		w.WriteString("\nendobj\n")
	}
	emit(1, &pdfDict{kv: []pdfKV{{"Type", pdfName("Catalog")}, {"Pages", pdfRef{2, 0}}}}, nil)
	emit(2, &pdfDict{kv: []pdfKV{{"Type", pdfName("Pages")}, {"Kids", kids}, {"Count", pdfRaw(strconv.Itoa(len(out)))}}}, nil)
	for _, o := range objs {
		emit(o.num, o.v, o.s)
	}
	x := w.Len()
	fmt.Fprintf(&w, "xref\n0 %d\n0000000000 65535 f \n", next)
	for _, off := range offsets[1:] {
		fmt.Fprintf(&w, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", next, x)
	return w.Bytes(), nil
}

func writePDFValue(w *bytes.Buffer, v any) {
	switch v := v.(type) {
	case pdfName:
		w.WriteByte('/')
		w.WriteString(string(v))
	case pdfRaw:
		w.Write(v)
	case pdfRef:
		fmt.Fprintf(w, "%d %d R", v.num, v.gen)
	case pdfArray:
		w.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				w.WriteByte(' ')
			}
			writePDFValue(w, e)
		}
		w.WriteByte(']')
	case *pdfDict:
		w.WriteString("<<")
		for _, e := range v.kv {
			w.WriteByte('/')
			w.WriteString(string(e.k))
			w.WriteByte(' ')
			writePDFValue(w, e.v)
			w.WriteByte(' ')
		}
		w.WriteString(">>")
	default:
		w.WriteString("null")
	}
}
