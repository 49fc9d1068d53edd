package demo

import (
	"fmt"

	"chartkeeper/chart"
	"chartkeeper/chart/icd10"
)

// InstallCodes imports the program's built-in primary-care ICD-10-CM table
// (icd10.PrimaryCare) into a practice that has no code table, so that a
// demo practice searches and checks codes out of the box. A practice with a
// table keeps it. It returns how many codes it imported, 0 when it left the
// practice's own table alone. The signed-in user must be an HIM manager.
func InstallCodes(svc *chart.Service) (int, error) {
	if _, ok := svc.CodeTable(); ok {
		return 0, nil
	}
	n, err := svc.ImportCodes(icd10.PrimaryCare(), icd10.PrimaryCareFile)
	if err != nil {
		return 0, fmt.Errorf("demo: installing the built-in ICD-10-CM table: %w", err)
	}
	return n, nil
}
