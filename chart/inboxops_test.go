package chart_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/scan"
	"chartkeeper/store"
)

// The inbox operations are tested from outside the package so that they
// run with the real page editor of package scan.

type opsPractice struct {
	t   *testing.T
	tc  *testchart.Practice
	st  *store.Store
	svc *chart.Service
}

func newOpsPractice(t *testing.T) *opsPractice {
	t.Helper()
	tc := testchart.New(t, testpractice.Config{Name: "Clinique Test", AdminName: "Hilde Admin", Users: []store.NewUser{
		{Username: "desk", Name: "Dana Desk", Role: store.RoleFrontDesk},
		{Username: "coder", Name: "Cody Coder", Role: store.RoleCoder},
	}})
	return &opsPractice{t: t, tc: tc, st: tc.Store, svc: tc.Service}
}

func (p *opsPractice) as(user string) *chart.Service {
	p.t.Helper()
	return p.tc.AsUser(user)
}

func (p *opsPractice) content(d chart.Document) []byte {
	p.t.Helper()
	rc, _, err := p.st.OpenBlob(d.Blob)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *opsPractice) audited(action string) string {
	p.t.Helper()
	var detail string
	p.tc.AuditLog(func(ev store.AuditEvent) error {
		if ev.Action == action {
			detail = ev.Username + " " + ev.Detail
		}
		return nil
	})
	if detail == "" {
		p.t.Errorf("no %s in the audit log", action)
	}
	return detail
}

// pagesTIFF is a TIFF of n grey pages, page k with k+1 black bars at the
// top, so a page is known by its bars.
func pagesTIFF(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00\x00\x00\x00\x00")
	link := 4
	const w, h = 120, 160
	for k := 0; k < n; k++ {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = 0xff
		}
		for bar := 0; bar <= k; bar++ {
			for x := 10 + bar*10; x < 15+bar*10; x++ {
				for y := 0; y < 20; y++ {
					g.SetGray(x, y, color.Gray{})
				}
			}
		}
		strip := b.Len()
		b.Write(g.Pix)
		ifd := b.Len()
		le.PutUint32(b.Bytes()[link:], uint32(ifd))
		ents := [][2]uint32{{256, w}, {257, h}, {258, 8}, {259, 1}, {262, 1}, {273, uint32(strip)}, {277, 1}, {278, h}, {279, w * h}}
		binary.Write(&b, le, uint16(len(ents)))
		for _, e := range ents {
			binary.Write(&b, le, uint16(e[0]))
			binary.Write(&b, le, uint16(4))
			binary.Write(&b, le, uint32(1))
			binary.Write(&b, le, e[1])
		}
		link = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}

func bars(t *testing.T, content []byte, page int) int {
	t.Helper()
	img, err := scan.Page(content, page, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for bar := 0; bar < 10; bar++ {
		r, _, _, _ := img.At(12+bar*10, 10).RGBA()
		if r < 0x8000 {
			n++
		}
	}
	return n
}

func TestSplitRotateReject(t *testing.T) {
	p := newOpsPractice(t)
	tiff := pagesTIFF(t, 5)
	desk := p.as("desk")
	d, err := desk.AddDocument(bytes.NewReader(tiff), chart.Document{ContentType: "image/tiff", Pages: 5, Source: "scan-0042.tif", Category: "insurance", Note: "from the morning post"})
	if err != nil {
		t.Fatal(err)
	}
	ed := scan.Editor{}

	// Parts must cover every page, in order.
	for _, bad := range [][]chart.PageRange{
		{{1, 5}},
		{{1, 2}, {4, 5}},
		{{1, 3}, {3, 5}},
		{{1, 2}, {3, 4}},
		{{2, 3}, {4, 5}},
	} {
		if _, err := desk.SplitDocument(ed, d.ID, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("split %v: %v", bad, err)
		}
	}
	parts, err := desk.SplitDocument(ed, d.ID, []chart.PageRange{{1, 2}, {3, 3}, {4, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || parts[0].Pages != 2 || parts[1].Pages != 1 || parts[2].Pages != 2 {
		t.Fatalf("%+v", parts)
	}
	for i, want := range [][]int{{1, 2}, {3}, {4, 5}} {
		c := p.content(parts[i])
		if n := pageCount(c); n != len(want) {
			t.Fatalf("part %d: %d pages", i+1, n)
		}
		for k, page := range want {
			if got := bars(t, c, k+1); got != page {
				t.Errorf("part %d page %d is page %d of the scan, want %d", i+1, k+1, got, page)
			}
		}
		if parts[i].Source != "scan-0042.tif" || parts[i].Category != "insurance" || !strings.Contains(parts[i].Note, "from the morning post") {
			t.Errorf("part %d: %+v", i+1, parts[i])
		}
	}
	inbox, err := desk.Inbox()
	if err != nil || len(inbox) != 3 {
		t.Fatalf("inbox %d documents, %v", len(inbox), err)
	}
	// Nothing is lost: the original stays in the store behind a tombstone
	// naming its parts.
	hist, err := p.st.History(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if !last.Deleted || !strings.Contains(last.Reason, parts[0].ID) || !strings.Contains(last.Reason, parts[2].ID) {
		t.Errorf("tombstone %+v", last)
	}
	if rc, _, err := p.st.OpenBlob(d.Blob); err != nil {
		t.Errorf("the original content is gone: %v", err)
	} else {
		rc.Close()
	}
	if a := p.audited("document.split"); !strings.HasPrefix(a, "desk "+d.ID) || !strings.Contains(a, "pages 4–5 → "+parts[2].ID) {
		t.Errorf("audit %q", a)
	}

	// Turning page 2 of the first part by 90°: 120×160 becomes 160×120.
	r, err := desk.RotatePages(ed, parts[0].ID, 90, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := p.content(r)
	one, _ := scan.Page(c, 1, 1000)
	two, _ := scan.Page(c, 2, 1000)
	if one.Bounds().Dx() != 120 || two.Bounds().Dx() != 160 || two.Bounds().Dy() != 120 {
		t.Errorf("after turning page 2: %v %v", one.Bounds(), two.Bounds())
	}
	if r.ID != parts[0].ID || r.Rev == parts[0].Rev {
		t.Errorf("turned document %s rev %s", r.ID, r.Rev)
	}
	if _, err := desk.RotatePages(ed, parts[0].ID, 45); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("45°: %v", err)
	}
	if _, err := desk.RotatePages(ed, parts[0].ID, 90, 3); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("page 3 of 2: %v", err)
	}
	p.audited("document.rotate")

	// Rejecting needs a reason; the document leaves the inbox.
	if _, err := desk.RejectDocument(parts[1].ID, "  "); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("no reason: %v", err)
	}
	rj, err := desk.RejectDocument(parts[1].ID, "blank page")
	if err != nil {
		t.Fatal(err)
	}
	if inbox, _ := desk.Inbox(); len(inbox) != 2 {
		t.Errorf("inbox has %d after a rejection", len(inbox))
	}
	if _, err := desk.RejectedDocuments(); !errors.Is(err, store.ErrPermission) {
		t.Errorf("front desk reads the rejected list: %v", err)
	}
	if _, err := desk.FileDocument(parts[1].ID, "", "insurance", "2026-01-02", ""); err == nil {
		t.Error("a rejected document was filed")
	}
	p.audited("document.reject")

	// The coder may do none of it.
	coder := p.as("coder")
	if _, err := coder.RejectDocument(parts[0].ID, "no"); !errors.Is(err, store.ErrPermission) {
		t.Errorf("coder rejects: %v", err)
	}
	if _, err := coder.SplitDocument(ed, parts[0].ID, []chart.PageRange{{1, 1}, {2, 2}}); !errors.Is(err, store.ErrPermission) {
		t.Errorf("coder splits: %v", err)
	}
	if _, err := coder.RotatePages(ed, parts[0].ID, 90); !errors.Is(err, store.ErrPermission) {
		t.Errorf("coder turns: %v", err)
	}

	// The HIM manager sees the rejected document, opens it and sends it
	// back to the inbox.
	him := p.as("admin")
	list, err := him.RejectedDocuments()
	if err != nil || len(list) != 1 || list[0].ID != rj.ID || list[0].Reason != "blank page" || list[0].RejectedBy != "desk" {
		t.Fatalf("%+v %v", list, err)
	}
	rc, _, err := him.OpenRejected(rj.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if bars(t, got, 1) != 3 {
		t.Error("the rejected document is not page 3")
	}
	back, err := him.ReturnToInbox(rj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inbox, _ := him.Inbox(); len(inbox) != 3 || !strings.Contains(back.Note, "Rejected once: blank page") {
		t.Errorf("inbox %d, note %q", len(inbox), back.Note)
	}
	if list, _ := him.RejectedDocuments(); len(list) != 0 {
		t.Errorf("%d still rejected", len(list))
	}
}

// TestSplitPDF splits a PDF and files one part.
func TestSplitPDF(t *testing.T) {
	p := newOpsPractice(t)
	desk := p.as("desk")
	pdf := simplePDF(4)
	d, err := desk.AddDocument(bytes.NewReader(pdf), chart.Document{ContentType: "application/pdf", Pages: 4, Source: "fax.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	parts, err := desk.SplitDocument(scan.Editor{}, d.ID, []chart.PageRange{{1, 1}, {2, 4}})
	if err != nil {
		t.Fatal(err)
	}
	c := p.content(parts[1])
	if pageCount(c) != 3 || bytes.Contains(c, []byte("marker page 1")) || !bytes.Contains(c, []byte("marker page 4")) {
		t.Errorf("second part: %d pages", pageCount(c))
	}
	pt, _, err := desk.RegisterPatient(chart.Patient{Family: "Testperson", Given: "Ona", DOB: "1980-02-03", Sex: chart.Female})
	if err != nil {
		t.Fatal(err)
	}
	f, err := desk.FileDocument(parts[1].ID, pt.ID, "insurance", "2026-01-05", "")
	if err != nil || f.Pages != 3 {
		t.Fatalf("%+v %v", f, err)
	}
}

func simplePDF(n int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n")
	var kids []string
	for i := 0; i < n; i++ {
		kids = append(kids, fmt.Sprintf("%d 0 R", 3+2*i))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 612 792] >>", strings.Join(kids, " "), n))
	for i := 0; i < n; i++ {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>", 4+2*i))
		c := fmt.Sprintf("%% marker page %d\n", i+1)
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c))
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// pageCount counts the pages of a scan (0 when it is not one).
func pageCount(content []byte) int {
	info, err := scan.Analyze(content)
	if err != nil {
		return 0
	}
	return info.Pages
}
