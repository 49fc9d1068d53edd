package report_test

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/report"
)

// dayFirst and decimalComma are a reader's forms as the workstation gives
// them in French: DD/MM/YYYY and a decimal comma.
var isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(.*)$`)

func dayFirst(iso string) string {
	m := isoDate.FindStringSubmatch(iso)
	if m == nil {
		return iso
	}
	return m[3] + "/" + m[2] + "/" + m[1] + m[4]
}

func decimalComma(x float64, decimals int) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', decimals, 64), ".", ",", 1)
}

// TestReadersForms: with Page.Dates and Page.Number, the summary prints
// dates day first and measurements with a decimal comma, on the page
// furniture, in the tables and in the visits; without them (the other
// tests), as stored.
func TestReadersForms(t *testing.T) {
	c := testChart(t, 3)
	pg := testPage()
	pg.Dates, pg.Number = dayFirst, decimalComma
	var buf bytes.Buffer
	if _, err := report.Summary(&buf, pg, c, 0); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(pages(t, buf.Bytes()), "\n")
	contains(t, "summary in the reader's forms", all,
		"Born 09/03/1984", "at 24/11/2026 09:30", // furniture
		"09/03/1984 (age 42)",              // demographics
		"30/06/2020",                       // a medication stopped
		"02/10/2026 10:15", "36,8", "25,7", // vitals
		"Signed by Dr Ada Testwell at 25/10/2026 11:00",
	)
	for _, iso := range []string{"1984-03-09", "2026-10-02 10:15", "2020-06-30"} {
		if strings.Contains(all, iso) {
			t.Errorf("the summary still prints %s as stored", iso)
		}
	}

	// Labels and the cover sheet print the birth date in the reader's form too.
	buf.Reset()
	if _, err := report.Labels(&buf, pg, c.Patient, 3); err != nil {
		t.Fatal(err)
	}
	contains(t, "labels", strings.Join(pages(t, buf.Bytes()), "\n"), "Born 09/03/1984")
	buf.Reset()
	if _, err := report.CoverSheet(&buf, pg, "practice-test-1", c.Patient, chart.Categories[0].Name); err != nil {
		t.Fatal(err)
	}
	contains(t, "cover sheet", strings.Join(pages(t, buf.Bytes()), "\n"), "Born 09/03/1984")
}
