package scan

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"golang.org/x/image/tiff"

	"chartkeeper/chart"
)

// PageTurn is one page of an edited document: page N (1-based) of the
// source, turned clockwise by Turn degrees (0, 90, 180 or 270).
type PageTurn struct {
	Page, Turn int
}

// EditPages makes a new file of the given pages of content, in the order
// given, each turned as asked; it is how a scan is split into several
// documents and how pages are turned. The result holds nothing of the
// pages left out.
//
//   - PDF: the file is rewritten (see the package notes on PDF editing);
//     a turned page carries the turn in its /Rotate entry, so its image
//     data is not touched.
//   - TIFF: the pages are decoded and written into a new TIFF, Deflate
//     compressed (1 bit a pixel for black-and-white pages, 8 for grey,
//     24 for colour). Nothing is lost, but a CCITT Group 4 page grows.
//   - JPEG and PNG (one page): a turned image is written as a PNG, so
//     turning never costs quality; unturned, the file is kept as it is.
//
// It returns the new content and its format.
func EditPages(content []byte, pages []PageTurn) ([]byte, Format, error) {
	info, err := Analyze(content)
	if err != nil {
		return nil, "", err
	}
	if len(pages) == 0 {
		return nil, "", fmt.Errorf("no pages chosen")
	}
	for _, p := range pages {
		if p.Page < 1 || p.Page > info.Pages {
			return nil, "", fmt.Errorf("the document has no page %d (it has %d)", p.Page, info.Pages)
		}
		if p.Turn%90 != 0 {
			return nil, "", fmt.Errorf("pages turn by 90, 180 or 270 degrees, not %d", p.Turn)
		}
	}
	switch info.Format {
	case PDF:
		out := make([]pdfPageOut, len(pages))
		for i, p := range pages {
			out[i] = pdfPageOut{p.Page - 1, p.Turn}
		}
		b, err := writePDF(info.pdf, out)
		return b, PDF, err
	case TIFF:
		t, err := parseTIFF(content)
		if err != nil {
			return nil, "", err
		}
		imgs := make([]image.Image, len(pages))
		for _, p := range pages {
			if pg := t.pages[p.Page-1]; pg.width*pg.height > maxPixels {
				return nil, "", problemf("page %d of the TIFF is too large to change (%d×%d pixels)", p.Page, pg.width, pg.height)
			}
		}
		for i, p := range pages {
			one, err := tiffFromPage(content, t, p.Page-1)
			if err != nil {
				return nil, "", err
			}
			img, err := tiff.Decode(bytes.NewReader(one))
			if err != nil {
				return nil, "", problemf("page %d of the TIFF cannot be read here (%v)", p.Page, err)
			}
			imgs[i] = turn(img, p.Turn)
		}
		b, err := encodeTIFF(imgs)
		return b, TIFF, err
	default:
		if len(pages) != 1 {
			return nil, "", fmt.Errorf("a %s image has one page", formatTitle(info.Format))
		}
		if ((pages[0].Turn%360)+360)%360 == 0 {
			return content, info.Format, nil
		}
		if c, _, err := image.DecodeConfig(bytes.NewReader(content)); err != nil || uint64(c.Width)*uint64(c.Height) > maxPixels {
			return nil, "", problemf("the image is damaged or too large to turn")
		}
		img, err := decodeImage(content)
		if err != nil {
			return nil, "", err
		}
		var b bytes.Buffer
		if err := png.Encode(&b, turn(img, pages[0].Turn)); err != nil {
			return nil, "", err
		}
		return b.Bytes(), PNG, nil
	}
}

// maxPixels is the largest page EditPages decodes: an A3 page at 600 dpi
// is 70 million pixels.
const maxPixels = 150_000_000

// turn rotates img clockwise by deg (a multiple of 90), as a grey image
// when it is grey and as RGBA otherwise.
func turn(img image.Image, deg int) image.Image {
	deg = ((deg % 360) + 360) % 360
	if deg == 0 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if deg != 180 {
		dw, dh = h, w
	}
	// dst(x, y) takes src(sx, sy).
	src := func(x, y int) (int, int) {
		switch deg {
		case 90:
			return y, h - 1 - x
		case 180:
			return w - 1 - x, h - 1 - y
		default: // 270
			return w - 1 - y, x
		}
	}
	return remap(img, dw, dh, src)
}

// encodeTIFF writes a multi-page little-endian TIFF, one Deflate strip a
// page: bilevel grey pages at 1 bit a pixel, other grey pages at 8 bits,
// everything else as 8-bit RGB.
func encodeTIFF(pages []image.Image) ([]byte, error) {
	le := binary.LittleEndian
	var out bytes.Buffer
	out.WriteString("II*\x00\x00\x00\x00\x00")
	link := 4 // where the offset of the next IFD goes
	for _, img := range pages {
		b := img.Bounds()
		w, h := b.Dx(), b.Dy()
		var raw []byte
		bits, spp, photometric := 8, 1, 1 // BlackIsZero
		g, grey := img.(*image.Gray)
		switch {
		case grey && bilevel(g):
			bits = 1
			row := (w + 7) / 8
			raw = make([]byte, row*h)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					if g.Pix[g.PixOffset(b.Min.X+x, b.Min.Y+y)] >= 0x80 {
						raw[y*row+x/8] |= 0x80 >> (x % 8)
					}
				}
			}
		case grey:
			raw = make([]byte, 0, w*h)
			for y := 0; y < h; y++ {
				o := g.PixOffset(b.Min.X, b.Min.Y+y)
				raw = append(raw, g.Pix[o:o+w]...)
			}
		default:
			spp, photometric = 3, 2
			rgba := image.NewRGBA(image.Rect(0, 0, w, h))
			draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
			raw = make([]byte, 0, 3*w*h)
			for i := 0; i < len(rgba.Pix); i += 4 {
				raw = append(raw, rgba.Pix[i:i+3]...)
			}
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return nil, err
		}
		strip := out.Len()
		out.Write(z.Bytes())
		bitsAt := 0
		if spp == 3 {
			if out.Len()%2 == 1 {
				out.WriteByte(0)
			}
			bitsAt = out.Len()
			binary.Write(&out, le, [3]uint16{8, 8, 8})
		}
		if out.Len()%2 == 1 {
			out.WriteByte(0)
		}
		ifd := out.Len()
		le.PutUint32(out.Bytes()[link:], uint32(ifd))
		type entry struct {
			tag, typ uint16
			count    uint32
			val      uint32
		}
		bitsEntry := entry{258, 3, 1, uint32(bits)}
		if spp == 3 {
			bitsEntry = entry{258, 3, 3, uint32(bitsAt)}
		}
		es := []entry{
			{256, 4, 1, uint32(w)}, {257, 4, 1, uint32(h)}, bitsEntry, {259, 3, 1, 8},
			{262, 3, 1, uint32(photometric)}, {273, 4, 1, uint32(strip)}, {277, 3, 1, uint32(spp)},
			{278, 4, 1, uint32(h)}, {279, 4, 1, uint32(z.Len())},
		}
		binary.Write(&out, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&out, le, e.tag)
			binary.Write(&out, le, e.typ)
			binary.Write(&out, le, e.count)
			binary.Write(&out, le, e.val)
		}
		link = out.Len()
		binary.Write(&out, le, uint32(0))
		if out.Len() > 1<<31 {
			return nil, fmt.Errorf("the pages are too large for one TIFF")
		}
	}
	return out.Bytes(), nil
}

// bilevel reports whether a grey image holds only black and white.
func bilevel(g *image.Gray) bool {
	for _, p := range g.Pix {
		if p != 0 && p != 0xff {
			return false
		}
	}
	return true
}

// Editor is the [chart.PageEditor] of scanned documents: the inbox's
// split and turn operations cut pages with [EditPages].
type Editor struct{}

var _ chart.PageEditor = Editor{}

// EditPages is [EditPages] for [chart.Service.SplitDocument] and
// [chart.Service.RotatePages].
func (Editor) EditPages(content []byte, pages []chart.PageTurn) ([]byte, string, error) {
	pts := make([]PageTurn, len(pages))
	for i, p := range pages {
		pts[i] = PageTurn(p)
	}
	b, f, err := EditPages(content, pts)
	return b, f.ContentType(), err
}
