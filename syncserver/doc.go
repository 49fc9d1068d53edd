// Package syncserver is Chartkeeper's sync server (chartkeeperd's HTTP
// handler): it checks device credentials (the token and the device's
// signature over every request, against the public key it keeps for the
// device), stores what devices push and
// serves it to the practice's other devices, and never holds a key. It
// holds the [Server] and its request decoders, the storage [Backend]
// interface (implemented by syncserver/boltbackend and
// syncserver/pgbackend, checked by syncserver/backendtest), the
// per-practice storage quota, the long-poll wake-ups and the server's
// self-signed TLS certificate. The wire format is syncproto's;
// docs/SYNC.md describes the protocol.
package syncserver
