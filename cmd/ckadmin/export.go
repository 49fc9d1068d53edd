package main

import (
	"fmt"
	"io"

	"chartkeeper/internal/atomicfile"
	"chartkeeper/interop/access"
	"chartkeeper/interop/fhir"
)

// runExportFHIR writes one chart (--mrn) or the whole practice (HIM) as a
// FHIR R4 bundle.
func runExportFHIR(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	mrn := fs.String("mrn", "", "export only this patient's chart (medical record `number`); without it, the whole practice (health information managers)")
	out := fs.String("out", "", "write the bundle to `file` (JSON)")
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing --out FILE.json")
	}
	if *mrn != "" {
		if _, err := mrnFlagOrArg(*mrn, nil); err != nil {
			return err
		}
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	var st fhir.ExportStats
	_, err = atomicfile.Write(*out, 0o600, func(f io.Writer) error {
		if *mrn == "" {
			st, err = fhir.ExportPractice(f, svc)
			return err
		}
		id, err := svc.PatientByMRN(*mrn)
		if err != nil {
			return err
		}
		st, err = fhir.ExportPatient(f, svc, id)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote %s: %d patients, %d FHIR resources, %d documents.\n", *out, st.Patients, st.Resources, st.Documents)
	return nil
}

// runExportAccess writes a patient's access export: summary PDF, FHIR
// bundle and filed documents in one zip, recorded as a disclosure.
func runExportAccess(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	mrn := fs.String("mrn", "", "the patient's medical record `number`")
	out := fs.String("out", "", "write the zip to `file`")
	recipient := fs.String("recipient", "", "who receives it, for the accounting of disclosures (default: the patient)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	m, err := mrnFlagOrArg(*mrn, pos)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing --out FILE.zip")
	}
	svc, done, err := e.openService(sf)
	if err != nil {
		return err
	}
	defer done()
	id, err := svc.PatientByMRN(m)
	if err != nil {
		return err
	}
	res, err := access.WriteFile(svc, id, *out, access.Options{Recipient: *recipient})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "Wrote %s (%d bytes): summary, FHIR record and %d documents. Recorded as a disclosure to %s.\n",
		*out, res.Bytes, res.Documents, res.Disclosure.Recipient)
	return nil
}
