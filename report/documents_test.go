package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/report"
	"chartkeeper/store"
)

func TestVisitNote(t *testing.T) {
	c := testChart(t, 3)
	v := c.Visits[1] // signed, with an amendment
	other := chart.Amendment{Target: c.Visits[2].ID, Text: "An amendment of another visit", Author: "Dr X", At: printedAt}
	var buf bytes.Buffer
	ws, err := report.VisitNote(&buf, testPage(), c.Patient, v, append(c.AmendmentsOf(v.ID), other))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}
	ps := pages(t, buf.Bytes())
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	contains(t, "visit note", all, "Visit note", "2026-10-25", "Reason-002 follow-up of diabetes",
		"Clinician: Dr Ada Testwell", "Signed by Dr Ada Testwell at 2026-10-25 11:00",
		"Subjective", "Visit 2. Feels well", "Objective", "Assessment", "Plan",
		"E11.9 Type 2 diabetes mellitus without complications (primary)", "Z79.84",
		"Amendment", "Metformin dose was 850 mg, not 500 mg.", "Reason: Dose typed wrongly")
	if strings.Contains(all, "another visit") {
		t.Error("an amendment of another visit is printed")
	}

	buf.Reset()
	if _, err := report.VisitNote(&buf, testPage(), c.Patient, c.Visits[0], nil); err != nil {
		t.Fatal(err)
	}
	contains(t, "unsigned visit note", strings.Join(pages(t, buf.Bytes()), "\n"), "NOT SIGNED")
}

func TestEmergencyKit(t *testing.T) {
	const key = "7K3M-QX9A-2HJD-8WNP-4TBV-6RCE-1YFG-5SZ0"
	created := time.Date(2026, 11, 2, 16, 45, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := report.EmergencyKit(&buf, "Klinika Testová Ζωή", practiceID, key, created); err != nil {
		t.Fatal(err)
	}
	pdf := buf.Bytes()
	if n := pageCount(t, pdf); n != 1 {
		t.Errorf("the kit has %d pages, want 1", n)
	}
	ps := pages(t, pdf)
	for i, p := range ps {
		contains(t, fmt.Sprintf("kit page %d", i+1), p, "Klinika Testová Ζωή", "Keep this sheet locked away",
			fmt.Sprintf("Page %d of %d", i+1, len(ps)), "Created 2026-11-02 16:45")
	}
	contains(t, "kit", ps[0], key, practiceID, "Recovery key", "Emergency kit", "ckadmin restore", "ckadmin recover")
	if strings.Contains(ps[0], "Confidential patient information") {
		t.Error("the kit has a patient's furniture")
	}

	for _, bad := range []string{"", "   ", "ŽŽŽŽ-1234"} {
		if err := report.EmergencyKit(&bytes.Buffer{}, "P", practiceID, bad, created); err == nil {
			t.Errorf("a kit with recovery key %q printed", bad)
		}
	}
}

func TestDisclosures(t *testing.T) {
	p := patient(t, "Иванова-Тестова", "Мария")
	var ds []chart.Disclosure
	for i := range 60 {
		ds = append(ds, chart.Disclosure{
			Date:      time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 5*i).Format("2006-01-02"),
			Recipient: fmt.Sprintf("Recipient-%02d Regional Test Hospital, cardiology department", i),
			What:      "Patient summary and the visit notes of 2025",
			Purpose:   "Referral for an echocardiogram",
			By:        "Him Testmanager",
		})
	}
	ds[0], ds[59] = ds[59], ds[0] // out of order: printed oldest first all the same
	var buf bytes.Buffer
	if _, err := report.Disclosures(&buf, testPage(), p, ds); err != nil {
		t.Fatal(err)
	}
	ps := pages(t, buf.Bytes())
	if len(ps) < 2 {
		t.Fatalf("60 disclosures on %d page", len(ps))
	}
	furniture(t, ps, testPage(), p)
	all := strings.Join(ps, "\n")
	contains(t, "disclosures", all, "Accounting of disclosures", "60 disclosures, 2025-01-01 to 2025-10-23",
		"Date", "Recipient", "Information released", "Purpose", "Released by",
		"echocardiogram", "Testmanager", "cardiology")
	at := 0
	for i := range 60 {
		j := strings.Index(all[at:], fmt.Sprintf("Recipient-%02d", i))
		if j < 0 {
			t.Fatalf("Recipient-%02d missing or out of date order", i)
		}
		at += j
	}
	for i, pg := range ps {
		if !strings.Contains(pg, "Recipient") || !strings.Contains(pg, "Released by") {
			t.Errorf("page %d lacks the table header", i+1)
		}
	}

	buf.Reset()
	if _, err := report.Disclosures(&buf, testPage(), p, nil); err != nil {
		t.Fatal(err)
	}
	contains(t, "no disclosures", strings.Join(pages(t, buf.Bytes()), "\n"), "No disclosures are recorded.")
}

func TestAccessReport(t *testing.T) {
	p := patient(t, "Testová", "Žofie")
	var es []chart.AuditEntry
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range 150 {
		e := chart.AuditEntry{AuditEvent: store.AuditEvent{
			Seq: uint64(i + 1), Time: base.Add(time.Duration(i) * 97 * time.Minute),
			UserID: fmt.Sprintf("u%d", i%4), Username: []string{"frontdesk.anna", "dr.testwell", "coder.bob", "him.carla"}[i%4],
			Device: "dev-7f3a", Action: []string{"patient.view", "chart.view", "visit.code", "print.summary"}[i%4],
			Subject: p.ID, Detail: fmt.Sprintf("entry-%03d", i),
		}, MRN: p.MRN}
		if i == 77 {
			e.Action, e.Flagged, e.Detail = "breakglass.open", true, "entry-077 until 2026-03-06: patient unconscious in the waiting room"
		}
		if i == 90 {
			e.MRN = mrn(t, "9999999") // a merged record
		}
		es = append(es, e)
	}
	var buf bytes.Buffer
	if _, err := report.AccessReport(&buf, testPage(), p, es); err != nil {
		t.Fatal(err)
	}
	ps := pages(t, buf.Bytes())
	if len(ps) < 3 {
		t.Fatalf("150 entries on %d pages", len(ps))
	}
	furniture(t, ps, testPage(), p)
	all := strings.Join(ps, "\n")
	contains(t, "access report", all, "Chart access report", "150 entries by 4 users", "1 flagged for review",
		"2026-03-01 08:00:00", "dr.testwell", "(chart.view)", "(print.summary)", "(patient.view)",
		"Break-glass:", "Opened a chart", "REVIEW", "unconscious", "merged", mrn(t, "9999999"))
	for i := range 150 {
		if !strings.Contains(all, fmt.Sprintf("entry-%03d", i)) {
			t.Errorf("entry %d is missing", i)
		}
	}
	for i, pg := range ps {
		if !strings.Contains(pg, "Time") || !strings.Contains(pg, "Action") {
			t.Errorf("page %d lacks the table header", i+1)
		}
	}
}

// Text that looks like gofpdf's page count alias prints as it is, and text
// that is not UTF-8 prints as placeholders with a warning.
func TestOddText(t *testing.T) {
	c := testChart(t, 1)
	c.Visits[0].Plan = "Literal {nb} and \x02nb\x02 stay, tabs\tand\x00nulls go."
	c.Visits[0].Assessment = "Damaged \xff\xfe text"
	pdf, ws := summaryPDF(t, c, 0)
	all := strings.Join(pages(t, pdf), "\n")
	contains(t, "summary", all, "Literal {nb} and nb stay, tabs and nulls go.", "Damaged □□ text")
	contains(t, "warnings", strings.Join(ws, "\n"), "assessment: 2 characters (invalid UTF-8)")
}

// FuzzVisitNote prints visit notes of any text without failing or
// panicking (gofpdf has edge cases with odd text).
func FuzzVisitNote(f *testing.F) {
	f.Add("Testová", "Reason", "Subjective\nwith lines", "J45909")
	f.Add("山田", "\u202eright to left\u202c", "\x00\r\n\t", "")
	f.Add("", "", "", "X")
	f.Add(strings.Repeat("Ж", 300), strings.Repeat("word ", 400), strings.Repeat("x", 5000), "E119")
	p := patient(f, "Testová", "Žofie")
	f.Fuzz(func(t *testing.T, name, reason, note, code string) {
		p := p
		p.Family = name
		v := chart.Visit{Date: "2026-01-02", Reason: reason, Subjective: note, Plan: name + note,
			Diagnoses: []chart.Diagnosis{{Code: code, Description: reason}}}
		var buf bytes.Buffer
		if _, err := report.VisitNote(&buf, testPage(), p, v, []chart.Amendment{{Text: note, Reason: reason}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
	})
}
