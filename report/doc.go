// Package report turns charts into PDF documents with gofpdf: the patient
// summary, a visit note, scan cover sheets with a QR code, Avery 5160
// labels, the accounting of disclosures, the chart access report and the
// emergency kit.
//
// It takes data already read through chart.Service: checking the user's role
// and auditing the printout is the caller's business ([chart.Service.Print]),
// so report depends on chart for its types only, and on nothing that touches
// the store, the disk or cgo. Output is deterministic: the same data printed
// at the same [Page.PrintedAt] gives the same bytes.
//
// # Fonts and scripts
//
// Every document uses the Go fonts (golang.org/x/image/font/gofont),
// embedded as UTF-8 TrueType, which draw Latin with its accents, Greek and
// Cyrillic. Text is composed (NFC) first, so a decomposed "é" prints. A
// character the fonts cannot draw (Arabic, Chinese, Japanese, Devanagari,
// emoji, ...), found from the fonts' own cmap, prints as a visible □
// ([Placeholder]) and the document's [Warnings] name the field it was in and
// the script ("patient name: 4 characters (Han) cannot be drawn ..."), never
// the text itself, so that warnings may be shown or logged without
// spreading patient data. Text that is not UTF-8 is treated the same way.
//
// # Pages
//
// Every page of a patient document carries its furniture: the practice, the
// document's title, the patient's name, MRN and birth date at the top;
// a confidentiality line, "Printed by ... at ..." and "Page N of M" at the
// bottom. The emergency kit carries the practice and "Keep this sheet locked
// away" instead. Documents print on A4 unless [Page.Paper] says Letter;
// labels are always US Letter.
//
// [Page.T] translates every printed label of the patient documents (the
// furniture, titles, table headers, the visit's signature line); each is
// written in English inside a call named tr, which the translation checker
// reads. Data prints as typed. Nil prints English ([EmergencyKit] always
// does; [EmergencyKitPage] takes a Page).
//
// Long content flows onto further pages and nothing is cut off: paragraphs
// break between lines, a section or visit that continues on a new page says
// so under the furniture ("Visit of 2026-10-25, continued"), a table repeats
// its header on every page it spans, and a table row taller than a page is
// split across pages.
//
// # Cover sheets
//
// A cover sheet's QR code holds the payload of a [chart.CoverSheet]:
// "CK1:COVER:<practiceID>:<patientID>:<MRN>:<category>". Scan intake reads it
// back with [chart.ParseCoverSheet], which accepts nothing else. Codes are drawn
// as vector rectangles (boombuler/barcode computes the modules), so they
// print sharp at any resolution.
package report
