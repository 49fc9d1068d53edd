package report_test

import (
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
