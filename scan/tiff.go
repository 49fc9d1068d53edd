package scan

import (
	"encoding/binary"
	"fmt"
)

// TIFF pages are counted by walking the chain of image file directories
// (IFDs) ourselves: golang.org/x/image/tiff decodes only the first. Each
// IFD is bounds-checked, and so are its strips or tiles, so a file cut off
// by a scanner that stopped half-way is a problem rather than a short
// document. Reduced-resolution images (NewSubfileType bit 0, a scanner's
// embedded thumbnails) are not pages.

type tiffPage struct {
	ifd         int64 // offset of the IFD
	compression uint64
	width       uint64
	height      uint64
}

type tiffFile struct {
	order  binary.ByteOrder
	big    bool // BigTIFF: 8-byte offsets
	pages  []tiffPage
	header int // offset of the first-IFD pointer in the header
}

const (
	tagNewSubfileType  = 254
	tagWidth           = 256
	tagHeight          = 257
	tagCompression     = 259
	tagStripOffsets    = 273
	tagStripByteCounts = 279
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	maxTIFFPages       = 10000
)

func parseTIFF(b []byte) (*tiffFile, error) {
	t := &tiffFile{order: binary.LittleEndian, header: 4}
	if b[0] == 'M' {
		t.order = binary.BigEndian
	}
	cut := problemf("the TIFF is cut off or damaged; scan it again")
	if t.order.Uint16(b[2:]) == 43 {
		t.big, t.header = true, 8
		if len(b) < 16 {
			return nil, cut
		}
	} else if len(b) < 8 {
		return nil, cut
	}
	off := t.offsetAt(b, int64(t.header))
	seen := map[int64]bool{}
	for off != 0 {
		if seen[off] || len(seen) > maxTIFFPages {
			return nil, problemf("the TIFF is damaged (its page list loops); scan it again")
		}
		seen[off] = true
		p, next, sub, err := t.readIFD(b, off)
		if err != nil {
			return nil, err
		}
		if !sub {
			t.pages = append(t.pages, p)
		}
		off = next
	}
	if len(t.pages) == 0 {
		return nil, problemf("the TIFF holds no pages")
	}
	return t, nil
}

func (t *tiffFile) offsetAt(b []byte, at int64) int64 {
	if t.big {
		if at+8 > int64(len(b)) {
			return -1
		}
		return int64(t.order.Uint64(b[at:]))
	}
	if at+4 > int64(len(b)) {
		return -1
	}
	return int64(t.order.Uint32(b[at:]))
}

// readIFD reads one IFD: the page it describes, the next IFD's offset and
// whether it is a reduced-resolution image rather than a page.
func (t *tiffFile) readIFD(b []byte, off int64) (p tiffPage, next int64, sub bool, err error) {
	cut := problemf("the TIFF is cut off or damaged (page %d); scan it again", len(t.pages)+1)
	n := int64(len(b))
	countSize, entrySize, offSize := int64(2), int64(12), int64(4)
	if t.big {
		countSize, entrySize, offSize = 8, 20, 8
	}
	if off < 0 || off+countSize > n {
		return p, 0, false, cut
	}
	var count int64
	if t.big {
		count = int64(t.order.Uint64(b[off:]))
	} else {
		count = int64(t.order.Uint16(b[off:]))
	}
	end := off + countSize + count*entrySize
	if count > 4096 || end+offSize > n {
		return p, 0, false, cut
	}
	p.ifd = off
	p.compression = 1
	var offsets, counts []uint64
	for i := int64(0); i < count; i++ {
		e := b[off+countSize+i*entrySize:]
		tag, typ := t.order.Uint16(e), t.order.Uint16(e[2:])
		var cnt uint64
		var val []byte
		if t.big {
			cnt, val = t.order.Uint64(e[4:]), e[12:20]
		} else {
			cnt, val = uint64(t.order.Uint32(e[4:])), e[8:12]
		}
		vals, ok := t.values(b, typ, cnt, val)
		if !ok {
			return p, 0, false, cut
		}
		first := uint64(0)
		if len(vals) > 0 {
			first = vals[0]
		}
		switch tag {
		case tagNewSubfileType:
			sub = first&1 != 0
		case tagWidth:
			p.width = first
		case tagHeight:
			p.height = first
		case tagCompression:
			p.compression = first
		case tagStripOffsets, tagTileOffsets:
			offsets = vals
		case tagStripByteCounts, tagTileByteCounts:
			counts = vals
		}
	}
	if len(offsets) == 0 || len(offsets) != len(counts) || p.width == 0 || p.height == 0 {
		return p, 0, false, problemf("the TIFF is damaged (page %d has no image data); scan it again", len(t.pages)+1)
	}
	for i := range offsets {
		if offsets[i] > uint64(n) || counts[i] > uint64(n)-offsets[i] {
			return p, 0, false, cut
		}
	}
	return p, t.offsetAt(b, end), sub, nil
}

// values reads an entry's integer values (types BYTE, SHORT, LONG, LONG8
// and their signed forms); other types give none.
func (t *tiffFile) values(b []byte, typ uint16, cnt uint64, inline []byte) ([]uint64, bool) {
	size := map[uint16]uint64{1: 1, 3: 2, 4: 4, 6: 1, 8: 2, 9: 4, 16: 8, 17: 8}[typ]
	if size == 0 {
		return nil, true
	}
	if cnt > 1<<24 {
		return nil, false
	}
	total := size * cnt
	data := inline
	if total > uint64(len(inline)) {
		var at uint64
		if t.big {
			at = t.order.Uint64(inline)
		} else {
			at = uint64(t.order.Uint32(inline))
		}
		if at > uint64(len(b)) || total > uint64(len(b))-at {
			return nil, false
		}
		data = b[at : at+total]
	}
	out := make([]uint64, cnt)
	for i := range out {
		d := data[uint64(i)*size:]
		switch size {
		case 1:
			out[i] = uint64(d[0])
		case 2:
			out[i] = uint64(t.order.Uint16(d))
		case 4:
			out[i] = uint64(t.order.Uint32(d))
		case 8:
			out[i] = t.order.Uint64(d)
		}
	}
	return out, true
}

// tiffFromPage returns a copy of the TIFF whose first page is page i
// (0-based) of b: only the header's pointer to the first IFD changes, so
// every page from i on keeps its bytes exactly. Intake uses it to drop a
// cover sheet; previews use it to decode any page with a first-page
// decoder.
func tiffFromPage(b []byte, t *tiffFile, i int) ([]byte, error) {
	if i < 0 || i >= len(t.pages) {
		return nil, fmt.Errorf("the TIFF has no page %d", i+1)
	}
	out := append([]byte(nil), b...)
	if t.big {
		t.order.PutUint64(out[t.header:], uint64(t.pages[i].ifd))
	} else {
		t.order.PutUint32(out[t.header:], uint32(t.pages[i].ifd))
	}
	return out, nil
}

func compressionName(c uint64) string {
	switch c {
	case 1:
		return "none"
	case 2:
		return "CCITT modified Huffman"
	case 3:
		return "CCITT Group 3"
	case 4:
		return "CCITT Group 4"
	case 5:
		return "LZW"
	case 6, 7:
		return "JPEG"
	case 8, 32946:
		return "Deflate"
	case 32773:
		return "PackBits"
	}
	return fmt.Sprintf("compression %d", c)
}
