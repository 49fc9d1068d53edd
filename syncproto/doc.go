// Package syncproto is the wire format of Chartkeeper's sync, shared by
// the server (syncserver) and the workstation's client (syncclient): the
// paths, the request and response bodies, the limits both ends keep to,
// the refusals, and the token and certificate fingerprint formats. It
// holds no logic of either side. docs/SYNC.md describes the protocol.
package syncproto
