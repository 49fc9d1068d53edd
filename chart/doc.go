// Package chart is the clinical domain of Chartkeeper, over the encrypted
// store: the record types of a patient's chart and [Service], the one door
// through which every front end (the workstation, ckadmin, the import and
// export formats, sync's review queue) reads and writes them.
//
// # Records
//
// Every record is a JSON body inside a sealed store revision, of one of the
// types named Type* (patient.go): the patient's demographics ([Patient]);
// the clinical lists ([Problem], [Allergy], [Medication], [Vitals],
// [Immunization], all saved by [Service.Save]); visits ([Visit]) and the
// amendments of signed ones ([Amendment]); scanned documents ([Document]:
// metadata here, the content a store blob); amendment requests,
// disclosures and break-glass grants; the imported ICD-10-CM table. A chart
// record's ID is its patient's ID, a dot and a random part, so a chart is
// read with one seek per record type. docs/CHART.md lists the types and
// the rules the design left to this package.
//
// # The service
//
// [Open] builds a [Service] over an unlocked store after sign-in; it serves
// whoever is signed in to the store at each call. Every method, before it
// writes anything:
//
//   - checks the signed-in user's role against the role table in roles.go
//     ([Allowed], [Action]), the only place that table is written down, and
//     refuses with a [*PermissionError] (matching store.ErrPermission).
//     A break-glass grant ([Service.OpenBreakGlass]) opens reading one
//     patient's chart beyond the role for [DefaultBreakGlass], never writing;
//   - validates the record and refuses with a [*ValidationError] (matching
//     store.ErrInvalid) that names each field in words a person reads; a
//     refused record leaves the store untouched;
//   - writes the record and its audit entry (who, which patient, what) in
//     one store transaction. Views are audited too: opening a patient, a
//     chart, a document; a type-ahead result list is not.
//
// Printing and exporting go through [Service.Print], which checks the role
// and audits before anything is rendered (package report renders).
// [Service.Close] forgets what the service keeps in memory; the workstation
// calls it when it locks.
//
// # Concurrent edits
//
// Workstations edit offline, so a record may come back from sync with two
// heads. conflicts.go holds the merge rule the store applies to each chart
// type: a field-by-field three-way JSON merge (package chart/jsonmerge);
// visits rank a signed note first and never merge a change into a signed
// note other than its codes. What does not merge waits on
// [Service.ConflictQueue] for [Service.ResolveConflict]. See docs/CHART.md.
//
// # The finder
//
// Patients are found by name (any script), birth date, MRN and phone
// through an in-memory index (package chart/search) that the service builds
// at sign-in, from a sealed cache of every patient's list line
// (findercache.go) when it can, and keeps current from the store's change
// feed before each [Service.Find], so patients written by sync or a bulk
// import are found too. [Service.Duplicates] uses the same index to name
// likely duplicates at registration.
//
// # Adding a record type
//
// A new kind of clinical record needs, in this package: a Type constant
// (patient.go); a struct embedding [Meta] that implements [Item] (its kind
// and its checks, next to the others in clinical.go), so that
// [Service.Save] validates, authorises and audits it and gives it an ID
// under its patient's (childID), which lets the chart read it by prefix; a
// line in chartview.go's readClinical and a field of [Chart]; its merge
// rule in conflicts.go, beside the others; and, if no existing [Action]
// fits, a new row of the role table in roles.go with its cells in
// roles_test.go. Then the FHIR mapping (interop/fhir), the printed summary
// (report), the screen (ui), and a row in docs/CHART.md. A record type
// outside a patient's chart uses a random ID (store.NewID) and its own
// methods instead of Save and readClinical.
//
// Package chart reads no file formats and draws nothing: scanned pages are
// cut and turned through a [PageEditor] that package scan provides. Of
// Chartkeeper's packages it imports only the store and its own subpackages
// (docs/ARCHITECTURE.md).
package chart
