package store

import "fmt"

// The details of the audit entries the store writes that are sentences.
// An entry's detail is stored in English as written and never changes
// (the log is sealed and synced); the workstation reads a stored detail
// back into its sentence and values to show it in another language (see
// chart.AuditDetailText). Each is marked with [T] so it is translated.
var (
	detailAuditRefused = T("the sync server reports that at %s it refused the audit log of workstation %s: %s")
	detailClinicalDocs = T("clinical documents are sealed to the clinical compartment from now on")
	detailDigest       = T("the store's state digest was made over the file as it was found (first sign-in after the update)")
	detailKeysMigrated = T("the practice moved to compartment keys; other users need a new password to receive their role's keys")
	detailIdleLock     = T("idle lock %d s -> %d s")
	detailEnroll       = T("code valid for %s")
	detailUserAdded    = T("%s as %s")
)

// The parts of a key rotation's detail, "general key epoch 3, audit key
// epoch 2, administration key 1: user.disable: ID": the keys renewed,
// listed, then why (an action code and what it was done to, as stored).
var (
	detailRotGeneral  = T("general key epoch %d")
	detailRotClinical = T("clinical key epoch %d")
	detailRotAudit    = T("audit key epoch %d")
	detailRotAdmin    = T("administration key %d")
)

// KeyRotationParts are the formats of the listed parts of a key
// rotation's detail (action key.rotate).
func KeyRotationParts() []string {
	return []string{detailRotGeneral, detailRotClinical, detailRotAudit, detailRotAdmin}
}

// AuditDetails maps each audit action the store writes a sentence detail
// for to the detail's format as written (fmt verbs where values go).
func AuditDetails() map[string][]string {
	return map[string][]string{
		"audit.sync.refused": {detailAuditRefused},
		"keys.clinicaldocs":  {detailClinicalDocs},
		"store.digest":       {detailDigest},
		"keys.migrate":       {detailKeysMigrated},
		"setting.change":     {detailIdleLock},
		"device.enroll":      {detailEnroll},
		"user.add":           {detailUserAdded},
	}
}

// EnrollDetail is the detail of the audit entry of a workstation's
// enrollment: how long its code stays valid.
func EnrollDetail(validFor fmt.Stringer) string { return fmt.Sprintf(detailEnroll, validFor) }
