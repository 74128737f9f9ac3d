// Command iketcpreplay plays the IKE and ESP messages of a capture over a real TCP
// connection framed as RFC 8229 says (IKE over TCP): the "IKETCP" prefix, then each
// message after a 2-byte length, IKE messages after the 4-byte non-ESP marker. It makes
// the IKE-over-TCP captures in pcaps/ (see pcaps/record-tcp.sh): no IKE daemon runs, the
// messages are the ones recorded, in their order, each sent by the side that sent it.
//
// Run the server in one network namespace and the client in another, with the same
// capture and variant:
//
//	iketcpreplay -role server -addr 192.0.2.2:4500 -from pcaps/ikev2-psk.pcap
//	iketcpreplay -role client -addr 192.0.2.2:4500 -from pcaps/ikev2-psk.pcap
//
// Variants: replay (the whole capture), reset (the server answers the client's first
// message, then resets the connection with SO_LINGER 0 on receiving the next one), no-ike (after the prefix the client
// sends the capture's first IKE message as UDP 4500 carries it, non-ESP marker and all,
// without the length field), split (every message written in chunks of -chunk bytes
// with TCP_NODELAY and a pause between them, so that each message spans segments).
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/ikescope/ikescope/decode"
)

const prefix = "IKETCP"

// step is one frame of the stream: who sends it and its bytes, length field included.
type step struct {
	fromClient bool
	frame      []byte
	what       string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("iketcpreplay: ")
	role := flag.String("role", "", "client or server")
	addr := flag.String("addr", "192.0.2.2:4500", "the server's address and port")
	from := flag.String("from", "", "the capture whose IKE and ESP messages are played")
	variant := flag.String("variant", "replay", "replay, reset, no-ike or split")
	chunk := flag.Int("chunk", 120, "split: bytes per write")
	gap := flag.Duration("gap", 20*time.Millisecond, "pause between messages")
	timeout := flag.Duration("timeout", 20*time.Second, "give up after this long")
	flag.Parse()
	if *from == "" || (*role != "client" && *role != "server") {
		flag.Usage()
		os.Exit(2)
	}
	steps, err := readSteps(*from)
	if err != nil {
		log.Fatal(err)
	}
	p := &player{steps: steps, variant: *variant, chunk: *chunk, gap: *gap}
	deadline := time.Now().Add(*timeout)
	switch *role {
	case "server":
		err = p.serve(*addr, deadline)
	case "client":
		err = p.connect(*addr, deadline)
	}
	if err != nil {
		log.Fatalf("%s: %v", *role, err)
	}
}

// readSteps reads the capture's IKE and ESP messages; the side that sent the first
// IKE message (the initiator) is the TCP client.
func readSteps(path string) ([]step, error) {
	r, err := decode.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var steps []step
	initiator := "" // the address that sent the first IKE message
	for r.Next() {
		m := r.Message()
		var body []byte
		switch {
		case m.Kind == decode.KindISAKMP && m.ISAKMP != nil && m.Err == nil:
			body = append([]byte{0, 0, 0, 0}, m.ISAKMP.Datagram()...)
			if initiator == "" {
				initiator = m.Src.Addr().String()
			}
		case m.Kind == decode.KindESP && m.Err == nil:
			body = bytes.Clone(m.ESP.Raw)
		default:
			continue
		}
		if initiator == "" {
			continue
		}
		if len(body)+2 > 0xffff {
			return nil, fmt.Errorf("frame %d: %d bytes do not fit an RFC 8229 frame", m.Frame, len(body))
		}
		frame := binary.BigEndian.AppendUint16(nil, uint16(len(body)+2))
		frame = append(frame, body...)
		steps = append(steps, step{fromClient: m.Src.Addr().String() == initiator, frame: frame,
			what: fmt.Sprintf("frame %d %s", m.Frame, m.Kind)})
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("%s: no IKE message", path)
	}
	return steps, nil
}

type player struct {
	steps   []step
	variant string
	chunk   int
	gap     time.Duration
}

func (p *player) serve(addr string, deadline time.Time) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	ln.(*net.TCPListener).SetDeadline(deadline)
	log.Printf("server: listening on %s", addr)
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	conn := c.(*net.TCPConn)
	defer conn.Close()
	conn.SetDeadline(deadline)
	got := make([]byte, len(prefix))
	if _, err := io.ReadFull(conn, got); err != nil {
		return fmt.Errorf("reading the prefix: %v", err)
	}
	if string(got) != prefix {
		return fmt.Errorf("prefix %q", got)
	}
	if p.variant == "no-ike" {
		// Read what the client sends until it closes, then close too.
		n, _ := io.Copy(io.Discard, conn)
		log.Printf("server: %d bytes after the prefix, not RFC 8229 frames; closing", n)
		return nil
	}
	sent := 0
	for i, s := range p.steps {
		if s.fromClient {
			if err := expect(conn, s); err != nil {
				return err
			}
			if p.variant == "reset" && sent > 0 {
				// An abortive close: SO_LINGER 0 makes close send RST.
				conn.SetLinger(0)
				log.Printf("server: reset after receiving step %d (%s)", i+1, s.what)
				return nil
			}
			continue
		}
		time.Sleep(p.gap)
		if err := p.write(conn, s); err != nil {
			return err
		}
		sent++
	}
	// The client closes first; then so does the server.
	n, _ := io.Copy(io.Discard, conn)
	if n != 0 {
		return fmt.Errorf("%d bytes after the last message", n)
	}
	log.Printf("server: %d messages played", len(p.steps))
	return nil
}

func (p *player) connect(addr string, deadline time.Time) error {
	var c net.Conn
	var err error
	for time.Now().Before(deadline) {
		if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	conn := c.(*net.TCPConn)
	defer conn.Close()
	conn.SetDeadline(deadline)
	conn.SetNoDelay(true)
	if _, err := conn.Write([]byte(prefix)); err != nil {
		return err
	}
	if p.variant == "no-ike" {
		// The first IKE message as UDP 4500 carries it: the non-ESP marker, no length.
		time.Sleep(p.gap)
		if _, err := conn.Write(p.steps[0].frame[2:]); err != nil {
			return err
		}
		time.Sleep(p.gap)
		conn.CloseWrite()
		io.Copy(io.Discard, conn)
		log.Printf("client: sent %d bytes without RFC 8229 framing", len(p.steps[0].frame)-2)
		return nil
	}
	for _, s := range p.steps {
		if !s.fromClient {
			if err := expect(conn, s); err != nil {
				if p.variant == "reset" {
					log.Printf("client: %v (the server reset the connection)", err)
					return nil
				}
				return err
			}
			continue
		}
		time.Sleep(p.gap)
		if err := p.write(conn, s); err != nil {
			if p.variant == "reset" {
				log.Printf("client: sending %s: %v (the server reset the connection)", s.what, err)
				return nil
			}
			return err
		}
	}
	time.Sleep(p.gap)
	conn.CloseWrite()
	if n, _ := io.Copy(io.Discard, conn); n != 0 {
		return fmt.Errorf("%d bytes after the last message", n)
	}
	log.Printf("client: %d messages played", len(p.steps))
	return nil
}

// write sends one frame, in chunks for the split variant.
func (p *player) write(conn *net.TCPConn, s step) error {
	if p.variant != "split" || p.chunk <= 0 {
		_, err := conn.Write(s.frame)
		return err
	}
	conn.SetNoDelay(true)
	for b := s.frame; len(b) > 0; {
		k := min(len(b), p.chunk)
		if _, err := conn.Write(b[:k]); err != nil {
			return err
		}
		b = b[k:]
		if len(b) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// expect reads the next frame the other side sends and checks it is the one recorded.
func expect(conn *net.TCPConn, s step) error {
	got := make([]byte, len(s.frame))
	if _, err := io.ReadFull(conn, got); err != nil {
		return fmt.Errorf("waiting for %s: %w", s.what, err)
	}
	if !bytes.Equal(got, s.frame) {
		return errors.New("received bytes differ from " + s.what)
	}
	return nil
}
