// Package fhir exports charts as FHIR R4 Bundles (JSON) and imports
// Bundles written by Chartkeeper or by other systems (other EHRs,
// synthetic-patient generators such as Synthea).
//
// Export maps a chart to Patient, Condition (problems, and each visit
// diagnosis with its Encounter), AllergyIntolerance, MedicationStatement,
// Encounter (visits), Observation (vital signs with their LOINC codes),
// Immunization and DocumentReference (the filed document inside, base64).
// What FHIR has no element for (a visit's SOAP note, signature and
// amendments; who filed a document) travels in Chartkeeper extensions
// (urn:chartkeeper:fhir:...), so an export reads back into the same chart.
//
// Import reads a Bundle of type transaction, collection, batch or
// searchset, resolves references by fullUrl (urn:uuid:...) and by
// "Patient/id", maps each patient's resources to a [chart.ImportedChart]
// and reports, per resource, what it skipped and why. Every patient is
// checked before anything is written; then each is stored whole, in one
// transaction ([chart.Service.ImportChart]). docs/INTEROP.md has the
// mapping table.
//
// Roles and the audit log hold as everywhere: exporting a chart is a
// [chart.PrintExport], exporting the whole practice and importing are for
// health information managers.
package fhir
