package syncclient

// ServerID is the ID of the server storage this client syncs with; it
// changes when the server turns out to be a new one (see docs/SYNC.md).
func (c *Client) ServerID() string { return c.serverID() }
