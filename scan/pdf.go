package scan

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
)

// PDF page counting reads the page tree without a PDF library: every
// object ("N G obj ... endobj", and the objects packed into compressed
// object streams of PDF 1.5 and later) is indexed, a later definition of
// an object number replacing an earlier one as incremental updates do.
// The page count is the /Count of the root /Pages node (the one without a
// /Parent); without one it is the number of /Type /Page leaves. A file
// without the %%EOF marker near its end was cut off.

var (
	reTypePage = regexp.MustCompile(`/Type\s*/Page\b`) // not /Pages: \b fails before 's'
	reTypeTree = regexp.MustCompile(`/Type\s*/Pages\b`)
	reParent   = regexp.MustCompile(`/Parent\s+\d+\s+\d+\s+R`)
	reCount    = regexp.MustCompile(`/Count\s+(\d+)`)
	reObjStm   = regexp.MustCompile(`/Type\s*/ObjStm\b`)
	reFirst    = regexp.MustCompile(`/First\s+(\d+)`)
	reN        = regexp.MustCompile(`/N\s+(\d+)`)
	reFlate    = regexp.MustCompile(`/Filter\s*\[?\s*/FlateDecode\s*\]?`)
)

const maxObjStm = 64 << 20 // inflated bytes of one object stream

func pdfPages(b []byte) (int, error) {
	tail := b[max(0, len(b)-2048):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return 0, problemf("the PDF is cut off or damaged (no end-of-file marker); scan it again")
	}
	objs := map[int][]byte{}
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
		body := b[pos:]
		if e := bytes.Index(body, []byte("endobj")); e >= 0 {
			body = body[:e]
			pos += e + len("endobj")
		}
		objs[num] = dictPart(body)
		if reObjStm.Match(objs[num]) {
			unpackObjStm(body, objs)
		}
	}
	if len(objs) == 0 {
		return 0, problemf("the PDF is damaged: it holds no objects")
	}
	leaves, root := 0, -1
	for _, d := range objs {
		switch {
		case reTypeTree.Match(d):
			if !reParent.Match(d) {
				if m := reCount.FindSubmatch(d); m != nil {
					if n, err := strconv.Atoi(string(m[1])); err == nil && n > root {
						root = n
					}
				}
			}
		case reTypePage.Match(d):
			leaves++
		}
	}
	n := root
	if n <= 0 {
		n = leaves
	}
	if n <= 0 {
		return 0, problemf("the PDF is damaged: no pages were found in it")
	}
	return n, nil
}

// dictPart is an object's text before its stream data, if any.
func dictPart(body []byte) []byte {
	if i := bytes.Index(body, []byte("stream")); i >= 0 {
		return body[:i]
	}
	return body
}

// unpackObjStm adds the objects of a compressed object stream to objs.
func unpackObjStm(body []byte, objs map[int][]byte) {
	dict := dictPart(body)
	if !reFlate.Match(dict) {
		return
	}
	fm, nm := reFirst.FindSubmatch(dict), reN.FindSubmatch(dict)
	if fm == nil || nm == nil {
		return
	}
	first, _ := strconv.Atoi(string(fm[1]))
	n, _ := strconv.Atoi(string(nm[1]))
	i := bytes.Index(body, []byte("stream"))
	data := body[i+len("stream"):]
	data = bytes.TrimLeft(data, "\r\n")
	if e := bytes.LastIndex(data, []byte("endstream")); e >= 0 {
		data = data[:e]
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return
	}
	// A stream may end in junk after the deflate data; keep what inflated.
	raw, _ := io.ReadAll(io.LimitReader(zr, maxObjStm))
	if first > len(raw) {
		return
	}
	head := bytes.Fields(raw[:first])
	type entry struct{ num, off int }
	var es []entry
	for k := 0; k+1 < len(head) && len(es) < n; k += 2 {
		num, err1 := strconv.Atoi(string(head[k]))
		off, err2 := strconv.Atoi(string(head[k+1]))
		if err1 != nil || err2 != nil || first+off > len(raw) {
			return
		}
		es = append(es, entry{num, first + off})
	}
	for k, e := range es {
		end := len(raw)
		if k+1 < len(es) && es[k+1].off >= e.off {
			end = es[k+1].off
		}
		objs[e.num] = raw[e.off:end]
	}
}

// objHeader reads the object number of "N G obj" whose keyword is at i.
func objHeader(b []byte, i int) (int, bool) {
	if i+3 < len(b) && isRegular(b[i+3]) {
		return 0, false // "objects", not the keyword
	}
	j := i
	skipSpace := func() bool {
		k := j
		for j > 0 && isSpace(b[j-1]) {
			j--
		}
		return j < k
	}
	digits := func() (int, bool) {
		k := j
		for j > 0 && b[j-1] >= '0' && b[j-1] <= '9' && k-j < 10 {
			j--
		}
		if j == k {
			return 0, false
		}
		n, err := strconv.Atoi(string(b[j:k]))
		return n, err == nil
	}
	if !skipSpace() {
		return 0, false
	}
	if _, ok := digits(); !ok || !skipSpace() {
		return 0, false
	}
	num, ok := digits()
	if !ok || (j > 0 && isRegular(b[j-1])) {
		return 0, false
	}
	return num, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

// isRegular reports whether c is a PDF regular character (neither white
// space nor a delimiter).
func isRegular(c byte) bool {
	return !isSpace(c) && !bytes.ContainsRune([]byte("()<>[]{}/%"), rune(c))
}
