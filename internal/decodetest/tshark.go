package decodetest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// TsharkOutput runs tshark with args, its configuration directory conf (an empty one
// holds no key tables and no preferences of the user's), and returns what it printed; err
// says why it failed, with what it said on standard error. tshark exits non-zero for a
// capture that ends mid-frame after printing what it read: the output is returned then
// too.
func TsharkOutput(tshark, conf, path string, args []string) (*bytes.Buffer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tshark, args...)
	cmd.Env = append(cmd.Environ(), "WIRESHARK_CONFIG_DIR="+conf, "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return &stdout, fmt.Errorf("tshark -r %s: %v: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	return &stdout, nil
}
