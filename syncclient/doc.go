// Package syncclient is a workstation's side of Chartkeeper's sync: the
// engine that pushes local changes, documents and audit entries to the
// server and pulls the other workstations' ([Client]: one exchange with
// RunOnce, background sync with Run, batches that adapt to the link and a
// first sync pulled ahead), the settings file sync.json ([Config]) with
// the device's token and signing key sealed in the store ([Load]; every
// request is signed with the key), registration, device administration and enrollment ([IssueEnrollment],
// [Join]), and the recovery from a server put back from an older copy.
// The wire format is syncproto's; docs/SYNC.md describes the protocol.
package syncclient
