package syncserver

import (
	"container/list"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// The server's defences against clients that would take it down: short
// read deadlines before a device has authenticated, a cap on open
// connections that drops the oldest idle or unauthenticated one, rate
// limits per address on the unauthenticated requests, a cap on the
// requests one device may have in progress, and the periodic sweep of
// expired enrollments. docs/SECURITY.md has the threat model.

const (
	// UnauthReadTimeout bounds reading a request (headers and body) until
	// a device credential has been checked: a client that sends slowly is
	// cut off after it.
	UnauthReadTimeout = 10 * time.Second
	// AuthReadTimeout bounds reading an authenticated request's body (a
	// full push over a slow link).
	AuthReadTimeout = 5 * time.Minute
	// DefaultMaxConns is chartkeeperd's default cap on open connections.
	DefaultMaxConns = 2000
	// DefaultLongPollsPerDevice is how many long-polls one device may hold
	// at once; one more is answered 429 at once.
	DefaultLongPollsPerDevice = 4
	// DefaultRequestsPerDevice is how many requests of one device may be
	// in progress at once (long-polls included).
	DefaultRequestsPerDevice = 16
	// SweepEvery is how often expired enrollments are swept.
	SweepEvery = 5 * time.Minute
)

// ConnLimiter is a listener that keeps at most max connections open. When
// a new one arrives at the cap, it closes the oldest connection that is
// not serving an authenticated request (an idle keep-alive, a TLS
// handshake or a request still being read), and among those first one
// that never carried an authenticated request: slow or idle anonymous
// clients cannot lock out a workstation, whose connections are proven by
// its credential (at most provenPerDevice of them per device, so one
// stolen credential cannot protect thousands). Only when every open
// connection is serving a device is the new one closed. Install its
// ConnContext as the http.Server's ConnContext so that the server can
// mark connections busy and proven.
type ConnLimiter struct {
	net.Listener
	max      int
	mu       sync.Mutex
	conns    *list.List     // of *limitedConn, oldest first
	provenBy map[string]int // proven connections per device
}

// provenPerDevice is how many connections one device's credential may
// protect from being closed first.
const provenPerDevice = 8

// LimitConns wraps ln with a cap of max open connections.
func LimitConns(ln net.Listener, max int) *ConnLimiter {
	return &ConnLimiter{Listener: ln, max: max, conns: list.New(), provenBy: map[string]int{}}
}

type limitedConn struct {
	net.Conn
	l      *ConnLimiter
	elem   *list.Element
	busy   int    // authenticated requests in progress; under l.mu
	device string // set once the connection carried an authenticated request
	once   sync.Once
}

// drop takes c out of the list; under l.mu.
func (c *limitedConn) drop() {
	if c.elem != nil {
		c.l.conns.Remove(c.elem)
		c.elem = nil
		if c.device != "" {
			if c.l.provenBy[c.device]--; c.l.provenBy[c.device] <= 0 {
				delete(c.l.provenBy, c.device)
			}
		}
	}
}

func (c *limitedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.drop()
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// Accept implements net.Listener.
func (l *ConnLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc := &limitedConn{Conn: c, l: l}
		var evict *limitedConn
		l.mu.Lock()
		if l.conns.Len() >= l.max {
			for e := l.conns.Front(); e != nil; e = e.Next() {
				if oc := e.Value.(*limitedConn); oc.busy == 0 && oc.device == "" {
					evict = oc
					break
				}
			}
			for e := l.conns.Front(); e != nil && evict == nil; e = e.Next() {
				if oc := e.Value.(*limitedConn); oc.busy == 0 {
					evict = oc
				}
			}
			if evict == nil { // every connection serves a device
				l.mu.Unlock()
				c.Close()
				continue
			}
			evict.drop()
		}
		lc.elem = l.conns.PushBack(lc)
		l.mu.Unlock()
		if evict != nil {
			evict.Conn.Close()
		}
		return lc, nil
	}
}

// Open is the number of connections open now.
func (l *ConnLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns.Len()
}

type connKey struct{}

// ConnContext is the http.Server ConnContext hook that lets the server
// mark a connection busy while it serves an authenticated request.
func (l *ConnLimiter) ConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if lc, ok := c.(*limitedConn); ok {
		return context.WithValue(ctx, connKey{}, lc)
	}
	return ctx
}

// markBusy protects the request's connection, authenticated as device,
// from eviction until done is called, and marks it proven.
func markBusy(r *http.Request, device string) (done func()) {
	lc, _ := r.Context().Value(connKey{}).(*limitedConn)
	if lc == nil {
		return func() {}
	}
	lc.l.mu.Lock()
	lc.busy++
	if lc.elem != nil {
		if lc.device == "" && lc.l.provenBy[device] < provenPerDevice {
			lc.device = device
			lc.l.provenBy[device]++
		}
		lc.l.conns.MoveToBack(lc.elem) // the most recently used goes last
	}
	lc.l.mu.Unlock()
	return func() {
		lc.l.mu.Lock()
		lc.busy--
		lc.l.mu.Unlock()
	}
}

// rateLimiter is a token bucket per client address: burst requests at
// once, then one per every. It keeps at most maxAddrs addresses; when
// full it forgets those whose bucket has refilled, and refuses new ones
// while none has.
type rateLimiter struct {
	mu       sync.Mutex
	burst    float64
	every    time.Duration
	maxAddrs int
	buckets  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(burst int, every time.Duration) *rateLimiter {
	return &rateLimiter{burst: float64(burst), every: every, maxAddrs: 10000, buckets: map[string]*bucket{}}
}

func (rl *rateLimiter) allow(addr string, now time.Time) bool {
	if rl == nil {
		return true
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	refill := func(b *bucket) {
		b.tokens = min(rl.burst, b.tokens+float64(now.Sub(b.last))/float64(rl.every))
		b.last = now
	}
	b := rl.buckets[addr]
	if b == nil {
		if len(rl.buckets) >= rl.maxAddrs {
			for a, ob := range rl.buckets {
				if refill(ob); ob.tokens >= rl.burst {
					delete(rl.buckets, a)
				}
			}
			if len(rl.buckets) >= rl.maxAddrs {
				return false
			}
		}
		b = &bucket{tokens: rl.burst, last: now}
		rl.buckets[addr] = b
	}
	refill(b)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// clientAddr is the request's client IP address (no port).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// setReadDeadline sets the request's read deadline d from now (a
// recorder in tests cannot; that is fine).
func setReadDeadline(w http.ResponseWriter, d time.Duration) {
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
}

// deviceSlots counts what each device has in progress.
type deviceSlots struct {
	mu       sync.Mutex
	requests map[string]int
	polls    map[string]int
}

// take reserves a request (and a long-poll, when poll) for device key; it
// fails when the device is at its cap.
func (s *Server) take(key string, poll bool) (release func(), ok bool) {
	ds := &s.slots
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.requests == nil {
		ds.requests, ds.polls = map[string]int{}, map[string]int{}
	}
	if s.maxRequests > 0 && ds.requests[key] >= s.maxRequests {
		return nil, false
	}
	if poll && s.maxPolls > 0 && ds.polls[key] >= s.maxPolls {
		return nil, false
	}
	ds.requests[key]++
	if poll {
		ds.polls[key]++
	}
	return func() {
		ds.mu.Lock()
		defer ds.mu.Unlock()
		if ds.requests[key]--; ds.requests[key] <= 0 {
			delete(ds.requests, key)
		}
		if poll {
			if ds.polls[key]--; ds.polls[key] <= 0 {
				delete(ds.polls, key)
			}
		}
	}, true
}

// SweepEnrollments forgets the sealed secrets of every expired enrollment
// (Backend.SweepEnrollments at the server's clock). The server runs it at
// start and every SweepEvery until Close.
func (s *Server) SweepEnrollments(ctx context.Context) (int, error) {
	n, err := s.b.SweepEnrollments(ctx, s.now().UTC())
	if s.logger != nil {
		if err != nil {
			s.logger.Error("enrollment sweep", "err", err.Error())
		} else if n > 0 {
			s.logger.Info("enrollment sweep", "forgotten", n)
		}
	}
	return n, err
}

func (s *Server) sweepLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			s.SweepEnrollments(ctx)
			cancel()
		}
	}
}
