// Package testchart is [testpractice] with a chart.Service over the store,
// for the tests of the packages above the chart (the chart's own tests use
// testpractice and chart.Open, as this package imports the chart).
package testchart

import (
	"testing"

	"chartkeeper/chart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// Practice is a created practice with an open service, signed in as its
// HIM manager. The test's cleanup closes both.
type Practice struct {
	*testpractice.Practice
	Service *chart.Service
	closed  bool
}

// New creates the practice that c describes, with the chart's merge rules,
// and opens the service with opts over it; any failure fails the test.
func New(t testing.TB, c testpractice.Config, opts ...chart.Option) *Practice {
	t.Helper()
	c.Options = chart.StoreOptions(c.Options...)
	tp := testpractice.New(t, c)
	svc, err := chart.Open(tp.Store, opts...)
	if err != nil {
		t.Fatalf("opening the chart service: %v", err)
	}
	p := &Practice{Practice: tp, Service: svc}
	t.Cleanup(p.Close) // runs before the store's own cleanup
	return p
}

// As signs the first user of role in and returns the service.
func (p *Practice) As(role store.Role) *chart.Service {
	p.T.Helper()
	p.SignInAs(role)
	return p.Service
}

// AsUser signs username in and returns the service.
func (p *Practice) AsUser(username string) *chart.Service {
	p.T.Helper()
	p.SignIn(username)
	return p.Service
}

// Close closes the service, then the store. Closing twice does nothing.
func (p *Practice) Close() {
	if !p.closed {
		p.closed = true
		p.Service.Close()
	}
	p.Practice.Close()
}
