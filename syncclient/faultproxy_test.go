package syncclient_test

import (
	"net"
	"sync"
	"testing"
)

// faultProxy is a TCP proxy on loopback between the workstations and the
// server. It passes the TLS bytes through untouched and, when armed, cuts a
// connection after a given number of further bytes in one direction: a
// link that drops in the middle of a request (up: workstation to server)
// or of an answer (down: server to workstation), possibly after the server
// has stored a push but before the workstation has read the
// acknowledgement.
type faultProxy struct {
	ln net.Listener

	mu     sync.Mutex
	target string   // the server's address
	cut    [2]int64 // bytes still allowed before a cut, per direction (0: not armed)
	cuts   int      // connections cut so far
	stall  bool     // a black hole: bytes are swallowed, nothing is closed
	conns  map[*proxyPair]struct{}
	wg     sync.WaitGroup
}

const (
	dirUp   = 0 // workstation to server
	dirDown = 1 // server to workstation
)

type proxyPair struct {
	once   sync.Once
	client net.Conn
	server net.Conn
}

func (p *proxyPair) close() {
	p.once.Do(func() {
		p.client.Close()
		p.server.Close()
	})
}

func startProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target, conns: map[*proxyPair]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) url() string { return "https://" + p.ln.Addr().String() }

// setTarget points new connections at another server address.
func (p *faultProxy) setTarget(addr string) {
	p.mu.Lock()
	p.target = addr
	p.mu.Unlock()
}

// arm cuts the next connection to carry n more bytes in direction dir,
// right after those n bytes (n >= 1).
func (p *faultProxy) arm(dir int, n int64) {
	p.mu.Lock()
	p.cut[dir] = max(n, 1)
	p.mu.Unlock()
}

// disarm takes back cuts that have not happened.
func (p *faultProxy) disarm() {
	p.mu.Lock()
	p.cut = [2]int64{}
	p.mu.Unlock()
}

// setStall turns the black hole on or off: while on, connections stay
// open but nothing arrives either way, as when a cable is pulled or a
// router drops the route without telling anyone.
func (p *faultProxy) setStall(on bool) {
	p.mu.Lock()
	p.stall = on
	p.mu.Unlock()
}

// dropAll cuts every open connection at once (a network outage).
func (p *faultProxy) dropAll() {
	p.mu.Lock()
	pairs := make([]*proxyPair, 0, len(p.conns))
	for c := range p.conns {
		pairs = append(pairs, c)
	}
	p.mu.Unlock()
	for _, c := range pairs {
		c.close()
	}
}

func (p *faultProxy) close() {
	p.ln.Close()
	p.dropAll()
	p.wg.Wait()
}

func (p *faultProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close() // the server is down: the workstation sees the link drop
			continue
		}
		pair := &proxyPair{client: c, server: s}
		p.mu.Lock()
		p.conns[pair] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pump(pair, s, c, dirUp)
		go p.pump(pair, c, s, dirDown)
	}
}

// take accounts n bytes read in direction dir: how many of them to pass
// on, and whether to cut the connection after them.
func (p *faultProxy) take(dir int, n int) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stall {
		return 0, false
	}
	left := p.cut[dir]
	if left == 0 || int64(n) < left {
		if left > 0 {
			p.cut[dir] -= int64(n)
		}
		return n, false
	}
	p.cut[dir] = 0
	p.cuts++
	faultStats[statCut].Add(1)
	return int(left), true
}

func (p *faultProxy) pump(pair *proxyPair, dst, src net.Conn, dir int) {
	defer p.wg.Done()
	defer func() {
		pair.close()
		p.mu.Lock()
		delete(p.conns, pair)
		p.mu.Unlock()
	}()
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			pass, cut := p.take(dir, n)
			if pass > 0 {
				if _, werr := dst.Write(buf[:pass]); werr != nil {
					return
				}
			}
			if cut {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
