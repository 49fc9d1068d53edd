package icd10

import (
	"bytes"
	_ "embed"
	"io"
)

// PrimaryCareFile is the name of the code table built into the program, as
// a practice's code table record names the file it was imported from.
const PrimaryCareFile = "icd10cm-codes-2023-primary-care.txt"

// PrimaryCareRelease is the CMS release whose text the built-in table copies.
const PrimaryCareRelease = "ICD-10-CM FY2023 (CMS code descriptions file icd10cm_codes_2023.txt)"

// primaryCare is a subset of the CMS ICD-10-CM FY2023 code descriptions
// file, in its layout and with its titles character for character: the
// codes common in primary care and every code the demo charts use. The
// titles are a work of the U.S. government, in the public domain.
//
//go:embed primarycare/icd10cm-codes-2023-primary-care.txt
var primaryCare []byte

// PrimaryCare reads the built-in primary-care table, in the layout
// [Parse] and a practice's code import take.
func PrimaryCare() io.Reader { return bytes.NewReader(primaryCare) }
