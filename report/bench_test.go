package report_test

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	"chartkeeper/report"
)

// BenchmarkSummary200Visits prints the summary of a chart with 200 visits
// (about 50 pages). Budget (docs/PERFORMANCE.md): under 150 ms. It reports
// the median of the iterations as median-ms.
func BenchmarkSummary200Visits(b *testing.B) {
	c := testChart(b, 200)
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := report.Summary(io.Discard, testPage(), c, 0); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkSummaryScripts prints a one-visit summary for a patient named
// in each script (the first run of a process also unpacks and reads the
// fonts it needs, which the loop's later runs do not repeat). It reports
// the PDF's size.
func BenchmarkSummaryScripts(b *testing.B) {
	for _, n := range append([]struct {
		lang, family, given string
		rtl                 bool
		ocr                 string
	}{{lang: "Latin", family: "Testová", given: "Žofie"}}, scriptNames...) {
		b.Run(n.lang, func(b *testing.B) {
			c := testChart(b, 1)
			c.Patient.Family, c.Patient.Given = n.family, n.given
			c.Visits[0].Plan = "Seen with " + n.given + " " + n.family + " today"
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if _, err := report.Summary(&buf, testPage(), c, 0); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size), "pdf-bytes")
		})
	}
}
