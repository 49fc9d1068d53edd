package fhir_test

import (
	"bytes"
	"io"
	"testing"

	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

// BenchmarkExportPractice exports a demo practice of 200 charts (visits,
// vital signs, documents) as one bundle.
func BenchmarkExportPractice(b *testing.B) {
	p := newPractice(b)
	p.fill(200, 3)
	svc := p.as(store.RoleHIM)
	var n int64
	for b.Loop() {
		cw := &countWriter{}
		if _, err := fhir.ExportPractice(cw, svc); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.ReportMetric(float64(200*b.N)/b.Elapsed().Seconds(), "charts/s")
	b.ReportMetric(float64(n), "bundle-bytes")
}

// BenchmarkImportPractice imports that bundle (parse, map, check,
// duplicate check, one transaction per patient).
func BenchmarkImportPractice(b *testing.B) {
	src := newPractice(b)
	src.fill(200, 3)
	bundle := src.exportPractice()
	dst := newPractice(b)
	svc := dst.as(store.RoleHIM)
	for b.Loop() {
		if _, err := fhir.Import(bytes.NewReader(bundle), svc, fhir.ImportOptions{AllowDuplicates: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(200*b.N)/b.Elapsed().Seconds(), "charts/s")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
