package scan

import (
	"bytes"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// Format is a kind of scanned file, known by its content, never by its name.
type Format string

// The formats intake accepts.
const (
	PDF  Format = "pdf"
	TIFF Format = "tiff"
	JPEG Format = "jpeg"
	PNG  Format = "png"
)

// ContentType is the MIME type stored with a document of the format.
func (f Format) ContentType() string {
	switch f {
	case PDF:
		return "application/pdf"
	case TIFF:
		return "image/tiff"
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	}
	return "application/octet-stream"
}

// Info is what intake learned about a file's content.
type Info struct {
	Format Format
	Pages  int
	// Compression names a TIFF's first-page compression ("CCITT Group 4",
	// "LZW", ...), for messages and tests; empty for other formats.
	Compression string

	pdf  *model.Context // a PDF as read by pdfcpu
	left *leftStreams   // its large streams, when left in the file (analyzePDF)
}

// ProblemError says why a file cannot be taken; the reason is worded for
// the person who looks at the problems list. Reason is the English
// sentence, Text the same sentence for translation.
type ProblemError struct {
	Reason string
	Text   Text
}

func (e *ProblemError) Error() string { return e.Reason }

// problemf is the ProblemError of a whole sentence; format is a key the
// workstation translates (see [Text]).
func problemf(format string, args ...any) error {
	t := T(format, args...)
	return &ProblemError{Reason: t.String(), Text: t}
}

// Detect names the format of content by its first bytes.
func Detect(content []byte) (Format, bool) {
	switch {
	case bytes.HasPrefix(content, []byte("II*\x00")), bytes.HasPrefix(content, []byte("MM\x00*")),
		bytes.HasPrefix(content, []byte("II+\x00")), bytes.HasPrefix(content, []byte("MM\x00+")):
		return TIFF, true
	case bytes.HasPrefix(content, []byte("\xff\xd8\xff")):
		return JPEG, true
	case bytes.HasPrefix(content, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, true
	}
	// A PDF's header may follow a little junk (the spec allows 1 KiB).
	if i := bytes.Index(content[:min(len(content), 1024)], []byte("%PDF-")); i >= 0 {
		return PDF, true
	}
	return "", false
}

// Analyze checks content and counts its pages. A file that is not one of
// the accepted formats, or is damaged, gives a [*ProblemError].
func Analyze(content []byte) (Info, error) {
	if len(content) == 0 {
		return Info{}, problemf("the file is empty")
	}
	f, ok := Detect(content)
	if !ok {
		return Info{}, sniff(content)
	}
	switch f {
	case PDF:
		ctx, err := readPDF(content)
		if err != nil {
			return Info{Format: PDF}, err
		}
		return Info{Format: PDF, Pages: ctx.PageCount, pdf: ctx}, nil
	case TIFF:
		t, err := parseTIFF(content)
		if err != nil {
			return Info{Format: TIFF}, err
		}
		for i, p := range t.pages {
			what := sizeTIFF
			if len(t.pages) > 1 {
				what = sizeTIFFPage
			}
			if err := sizeProblem(what, i+1, p.width, p.height); err != nil {
				return Info{Format: TIFF}, err
			}
		}
		return Info{Format: TIFF, Pages: len(t.pages), Compression: compressionName(t.pages[0].compression)}, nil
	default:
		if err := checkImageSize(content, f); err != nil {
			return Info{Format: f}, err
		}
		if _, err := decodeStored(content); err != nil {
			return Info{Format: f}, problemf("the %s image is damaged or cut off (%v)", formatTitle(f), err)
		}
		return Info{Format: f, Pages: 1}, nil
	}
}

// analyzePDF is Analyze for a PDF of size bytes read from r, where it
// stays: its large streams (a scan's page images) are not held but read
// from r again when a page is drawn or the file rewritten (see
// leftStreams). r must stay open as long as the Info is used.
func analyzePDF(r io.ReaderAt, size int64) (Info, error) {
	var left *leftStreams
	ctx, err := readPDFFrom(r, size, func(ctx *model.Context) { left = leaveStreams(ctx, r, size) })
	if err != nil {
		return Info{Format: PDF}, err
	}
	return Info{Format: PDF, Pages: ctx.PageCount, pdf: ctx, left: left}, nil
}

func formatTitle(f Format) string {
	switch f {
	case PDF:
		return "PDF"
	case TIFF:
		return "TIFF"
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	}
	return string(f)
}

// sniff is the refusal of a file that is none of the formats taken,
// naming a few formats people drop into scan folders by mistake.
func sniff(b []byte) error {
	for _, k := range []struct {
		magic string
		err   error
	}{
		{"PK\x03\x04", problemf("not a PDF, TIFF, JPEG or PNG file (it looks like a ZIP archive or office document); scan to one of those formats")},
		{"GIF8", problemf("not a PDF, TIFF, JPEG or PNG file (it looks like a GIF image); scan to one of those formats")},
		{"BM", problemf("not a PDF, TIFF, JPEG or PNG file (it looks like a BMP image); scan to one of those formats")},
		{"RIFF", problemf("not a PDF, TIFF, JPEG or PNG file (it looks like a WebP image or other RIFF file); scan to one of those formats")},
		{"{\\rtf", problemf("not a PDF, TIFF, JPEG or PNG file (it looks like an RTF document); scan to one of those formats")},
		{"\xd0\xcf\x11\xe0", problemf("not a PDF, TIFF, JPEG or PNG file (it looks like an old Microsoft Office document); scan to one of those formats")},
	} {
		if bytes.HasPrefix(b, []byte(k.magic)) {
			return k.err
		}
	}
	if isText(b[:min(len(b), 512)]) {
		return problemf("not a PDF, TIFF, JPEG or PNG file (it looks like text); scan to one of those formats")
	}
	return problemf("not a PDF, TIFF, JPEG or PNG file (unknown content); scan to one of those formats")
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f {
			return false
		}
	}
	return true
}
