// Package access makes a patient access export: when patients ask for
// their record, one zip file holds their chart as the printed summary
// (PDF), as a FHIR R4 bundle (for another clinic's system or a health app),
// and every filed document as it was scanned. Making one is recorded in
// the patient's accounting of disclosures.
package access

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/atomicfile"
	"chartkeeper/interop/fhir"
	"chartkeeper/report"
)

// Options say for whom the export is made.
type Options struct {
	// Recipient is who receives it: the patient (the default, "the
	// patient") or their representative, by name.
	Recipient string
	// Purpose is why (default: the patient's request for access).
	Purpose string
}

// Result says what was written.
type Result struct {
	Documents  int
	Resources  int
	Bytes      int64
	Warnings   report.Warnings // from the PDF
	Disclosure chart.Disclosure
}

// WriteFile writes the patient access export of patientID to path, a zip
// file readable by its owner only. It is made in a temporary file in the
// same folder and renamed into place once complete, so a half-written
// export never carries the name. The chart is read as the signed-in user
// (audited); the export itself is a [chart.PrintExport] that records the
// disclosure to the recipient, and is refused for roles that may not
// export (nothing is written then).
func WriteFile(svc *chart.Service, patientID, path string, o Options) (Result, error) {
	var res Result
	if o.Recipient = strings.TrimSpace(o.Recipient); o.Recipient == "" {
		o.Recipient = "the patient"
	}
	if o.Purpose = strings.TrimSpace(o.Purpose); o.Purpose == "" {
		o.Purpose = "the patient's request for access to their record"
	}
	u, err := svc.CurrentUser()
	if err != nil {
		return res, err
	}
	if !chart.Allowed(u.Role, chart.PrintClinical) {
		// asked before the chart is read; chart.Service.Print decides all the same
		return res, &chart.PermissionError{Role: u.Role, Action: chart.PrintClinical}
	}
	c, err := svc.OpenChart(patientID)
	if err != nil {
		return res, err
	}
	if len(c.Hidden) > 0 {
		return res, &chart.PermissionError{Role: u.Role, Action: chart.ReadClinical}
	}
	docs := map[string][]byte{}
	for _, d := range c.Documents {
		if docs[d.ID], err = readDocument(svc, d.ID); err != nil {
			return res, err
		}
	}
	practice, err := svc.Practice()
	if err != nil {
		return res, err
	}
	now := time.Now()
	var pdf bytes.Buffer
	if res.Warnings, err = report.Summary(&pdf, report.Page{Practice: practice.Name, PrintedBy: u.Name, PrintedAt: now}, c, 0); err != nil {
		return res, err
	}
	var bundle bytes.Buffer
	if err := fhir.WriteChart(&bundle, c, docs); err != nil {
		return res, err
	}
	res.Resources = len(fhir.ChartResources(c, nil))

	names := documentNames(c.Documents)
	what := fmt.Sprintf("patient access export: summary (PDF), record (FHIR R4), %d filed documents", len(c.Documents))
	d := chart.Disclosure{Recipient: o.Recipient, What: what, Purpose: o.Purpose}
	recorded := false
	_, err = atomicfile.Write(path, 0o600, func(f io.Writer) error {
		zw := zip.NewWriter(f)
		add := func(name string, data []byte, when time.Time) error {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: when})
			if err != nil {
				return err
			}
			_, err = w.Write(data)
			return err
		}
		err := add("README.txt", readme(practice.Name, c, names, now), now)
		if err == nil {
			err = add("summary.pdf", pdf.Bytes(), now)
		}
		if err == nil {
			err = add("record.fhir.json", bundle.Bytes(), now)
		}
		for _, d := range c.Documents {
			if err == nil {
				err = add(names[d.ID], docs[d.ID], d.FiledAt)
			}
		}
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			return fmt.Errorf("writing the export: %w", err)
		}
		// The disclosure is recorded once the export is complete and
		// before it gets its name: no export leaves unaccounted.
		if err := svc.Print(chart.PrintExport, patientID, &d); err != nil {
			return err
		}
		recorded = true
		return nil
	})
	if err != nil {
		if recorded {
			return res, fmt.Errorf("the export was made but could not be put at %s: %w", path, err)
		}
		return res, err
	}
	fi, err := os.Stat(path)
	if err == nil {
		res.Bytes = fi.Size()
	}
	res.Documents = len(c.Documents)
	res.Disclosure = d
	return res, nil
}

// readDocument reads a filed document's content (audited as a view).
func readDocument(svc *chart.Service, id string) ([]byte, error) {
	rc, _, err := svc.OpenDocument(id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// documentNames names each document's file in the zip: its clinical date,
// category and a number, with the extension of its kind.
func documentNames(ds []chart.Document) map[string]string {
	out := map[string]string{}
	for i, d := range ds {
		out[d.ID] = fmt.Sprintf("documents/%s %s %d%s", d.ClinicalDate, d.Category, i+1, extension(d.ContentType))
	}
	return out
}

func extension(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(strings.ToLower(mt)) {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/tiff":
		return ".tif"
	case "text/plain":
		return ".txt"
	}
	return ".bin"
}

// readme tells the patient what the zip holds.
func readme(practice string, c *chart.Chart, names map[string]string, now time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Your health record from %s\r\n", practice)
	fmt.Fprintf(&b, "Made on %s for %s, born %s.\r\n\r\n", now.Format("2006-01-02 15:04"), c.Patient.Given+" "+c.Patient.Family, c.Patient.DOB)
	b.WriteString("summary.pdf        your record as a printed summary, to read or print\r\n")
	b.WriteString("record.fhir.json   the same record in FHIR R4, the standard format other\r\n")
	b.WriteString("                   clinics' systems and health apps can import\r\n")
	if len(c.Documents) > 0 {
		fmt.Fprintf(&b, "documents/         the %d documents filed in your chart, as scanned:\r\n", len(c.Documents))
		for _, d := range c.Documents {
			title := d.Title
			if title == "" {
				if cat, ok := chart.CategoryByName(d.Category); ok {
					title = cat.Title
				}
			}
			fmt.Fprintf(&b, "  %s  %s\r\n", strings.TrimPrefix(names[d.ID], "documents/"), title)
		}
	}
	b.WriteString("\r\nKeep this file private: it holds your medical information.\r\n")
	return []byte(b.String())
}
