package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// runCodesImport replaces the practice's ICD-10-CM code table with a CMS
// release file (health information managers).
func runCodesImport(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	pos, err := e.parseExact(fs, args, "the FILE to import (CMS's icd10cm-codes-YYYY.txt)")
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("cannot read the code table %s: %v", pos[0], pathErr(err))
	}
	defer f.Close()
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	n, err := svc.ImportCodes(f, filepath.Base(pos[0]))
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "Imported %d ICD-10-CM codes from %s; they replace the practice's previous table.\n", n, filepath.Base(pos[0]))
	return nil
}
