package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ikescope/ikescope/analyze"
)

// liveMetrics serves what live capture knows as Prometheus metrics (--metrics ADDR), so
// that the monitoring admins already run watches the tunnels: IKE SAs by state and peer
// pair, findings by code and severity, ESP per SA and direction, seconds since each
// tunnel last carried ESP, and packets the capture dropped. The analysis runs in the
// capture's goroutine; a scrape reads it under mu, which the capture loop holds while it
// feeds the analysis.
type liveMetrics struct {
	mu       *sync.Mutex
	a        func() *analyze.Analyzer
	findings *prometheus.CounterVec
	dropped  prometheus.Gauge
	srv      *http.Server
}

var (
	descSAs = prometheus.NewDesc("ikescope_ike_sas", "IKE SAs held now, by state (up, negotiating, failed) and peer pair.",
		[]string{"state", "initiator", "responder"}, nil)
	descESPPackets = prometheus.NewDesc("ikescope_esp_packets", "ESP packets of the IKE SAs held now, by peer pair and direction.",
		[]string{"initiator", "responder", "direction"}, nil)
	descESPBytes = prometheus.NewDesc("ikescope_esp_bytes", "ESP bytes of the IKE SAs held now, by peer pair and direction.",
		[]string{"initiator", "responder", "direction"}, nil)
	descESPAge = prometheus.NewDesc("ikescope_esp_last_seconds", "Seconds since each IKE SA that is up last carried ESP (absent: none yet).",
		[]string{"initiator", "responder"}, nil)
)

func newLiveMetrics(mu *sync.Mutex, a func() *analyze.Analyzer) *liveMetrics {
	return &liveMetrics{
		mu: mu, a: a,
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ikescope_findings_total", Help: "Findings raised, by code and severity."},
			[]string{"code", "severity"}),
		dropped: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ikescope_capture_dropped_packets", Help: "Packets the kernel and the interface dropped before ikescope saw them."}),
	}
}

// Describe and Collect make the SA metrics a collector read at scrape time.
func (m *liveMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- descSAs
	ch <- descESPPackets
	ch <- descESPBytes
	ch <- descESPAge
}

func (m *liveMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.a()
	if a == nil {
		return
	}
	now := a.Now()
	sas := map[[3]string]int{}
	type dir struct{ i, r, d string }
	packets, bytes := map[dir]int{}, map[dir]int{}
	for _, s := range a.Open() {
		i, r := s.Initiator.Addr().String(), s.Responder.Addr().String()
		state := "negotiating"
		switch {
		case s.Failed:
			state = "failed"
		case s.Established:
			state = "up"
		}
		sas[[3]string{state, i, r}]++
		var last time.Time
		for _, f := range s.ESP {
			d := "responder_to_initiator"
			if f.FromInitiator {
				d = "initiator_to_responder"
			}
			packets[dir{i, r, d}] += f.Packets
			bytes[dir{i, r, d}] += f.Bytes
			if f.Last.After(last) {
				last = f.Last
			}
		}
		if s.Established && !last.IsZero() {
			ch <- prometheus.MustNewConstMetric(descESPAge, prometheus.GaugeValue, now.Sub(last).Seconds(), i, r)
		}
	}
	for k, n := range sas {
		ch <- prometheus.MustNewConstMetric(descSAs, prometheus.GaugeValue, float64(n), k[0], k[1], k[2])
	}
	for k, n := range packets {
		ch <- prometheus.MustNewConstMetric(descESPPackets, prometheus.GaugeValue, float64(n), k.i, k.r, k.d)
		ch <- prometheus.MustNewConstMetric(descESPBytes, prometheus.GaugeValue, float64(bytes[k]), k.i, k.r, k.d)
	}
}

// serve listens on addr and serves /metrics in the background.
func (m *liveMetrics) serve(addr string) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, m.findings, m.dropped)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &usageError{fmt.Sprintf("--metrics %s: %v (give a free address:port, like :9743 or 127.0.0.1:9743)", addr, unwrapNet(err))}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go m.srv.Serve(ln)
	return nil
}

func (m *liveMetrics) close() {
	if m != nil && m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		m.srv.Shutdown(ctx)
		m.srv = nil
	}
}

func unwrapNet(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
