package chart

import (
	"errors"
	"fmt"
	"strings"
)

// CoverSheet is what the QR code of a scan cover sheet says: the practice
// that printed it, the patient and MRN it was printed for, and the
// document category of the pages scanned behind it. report prints the
// code from [CoverSheet.Payload]; scan intake reads it back with
// [ParseCoverSheet] and files the pages. The MRN is there so that intake
// can check that the patient ID still leads to the patient the sheet was
// printed for.
type CoverSheet struct {
	PracticeID, PatientID, MRN, Category string
}

// ErrNotCoverSheet is what [ParseCoverSheet] returns, wrapped with the
// reason, for a code that is not a Chartkeeper cover sheet's.
var ErrNotCoverSheet = errors.New("not a Chartkeeper cover sheet")

const (
	coverMagic   = "CK"
	coverVersion = "1"
	coverKind    = "COVER"
	coverPrefix  = coverMagic + coverVersion + ":" + coverKind + ":"
	// maxCoverPayload bounds what ParseCoverSheet reads: a real payload
	// is about 100 characters.
	maxCoverPayload = 256
	maxCoverID      = 64
)

// Payload is the text of the sheet's QR code:
//
//	CK1:COVER:<practiceID>:<patientID>:<MRN>:<category>
//
// The version (CK1) lets a later Chartkeeper change the form while still
// reading old sheets.
func (c CoverSheet) Payload() string {
	return coverPrefix + c.PracticeID + ":" + c.PatientID + ":" + c.MRN + ":" + c.Category
}

// ParseCoverSheet reads a cover sheet's QR text. It accepts exactly what
// [CoverSheet.Payload] writes for valid fields: IDs of 1 to 64 letters,
// digits, '-' or '_', a valid MRN and a known document category; anything
// else is an error matching [ErrNotCoverSheet] that says what is wrong.
func ParseCoverSheet(s string) (CoverSheet, error) {
	fail := func(format string, args ...any) (CoverSheet, error) {
		return CoverSheet{}, fmt.Errorf("%w: %s", ErrNotCoverSheet, fmt.Sprintf(format, args...))
	}
	if len(s) > maxCoverPayload {
		return fail("the code holds %d bytes; a cover sheet's holds at most %d", len(s), maxCoverPayload)
	}
	if !strings.HasPrefix(s, coverPrefix) {
		if v, ok := otherCoverVersion(s); ok {
			return fail("cover sheet version %q is not one this Chartkeeper reads (it reads %s); was it printed by a newer version?", v, coverVersion)
		}
		return fail("the code does not start with %q", coverPrefix)
	}
	parts := strings.Split(s[len(coverPrefix):], ":")
	if len(parts) != 4 {
		return fail("expected 4 fields after %q (practice, patient, MRN, category), found %d", coverPrefix, len(parts))
	}
	c := CoverSheet{PracticeID: parts[0], PatientID: parts[1], MRN: parts[2], Category: parts[3]}
	if err := checkCoverID(c.PracticeID); err != nil {
		return fail("practice ID %s", err)
	}
	if err := checkCoverID(c.PatientID); err != nil {
		return fail("patient ID %s", err)
	}
	if !ValidMRN(c.MRN) {
		return fail("%q is not a valid MRN", c.MRN)
	}
	if cat, ok := CategoryByName(c.Category); !ok || cat.Name != c.Category {
		return fail("%q is not a document category", c.Category)
	}
	return c, nil
}

// otherCoverVersion finds the version of a "CK<version>:COVER:" prefix.
func otherCoverVersion(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, coverMagic)
	if !ok {
		return "", false
	}
	v, rest, ok := strings.Cut(rest, ":")
	if !ok || v == "" || len(v) > 8 || !strings.HasPrefix(rest, coverKind+":") {
		return "", false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return v, true
}

func checkCoverID(id string) error {
	if id == "" {
		return errors.New("is empty")
	}
	if len(id) > maxCoverID {
		return fmt.Errorf("is %d characters long; at most %d", len(id), maxCoverID)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("has the character %q; only letters, digits, '-' and '_' are allowed", c)
		}
	}
	return nil
}
