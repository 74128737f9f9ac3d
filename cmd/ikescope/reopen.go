package main

import (
	"fmt"
	"os"
	"sync"
)

// reopenFile is an output file that can be opened again under its name, for logrotate:
// after the old file is moved away, SIGHUP makes ikescope write a new one.
type reopenFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openReopenFile(path string) (*reopenFile, error) {
	r := &reopenFile{path: path}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
	}
	r.f = f
	return r, nil
}

func (r *reopenFile) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Write(b)
}

// reopen closes the file and opens its name again, appending to a file already there.
func (r *reopenFile) reopen() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot reopen %s: %v (it stays written where it was)", r.path, unwrapPath(err))
	}
	r.f.Close()
	r.f = f
	return nil
}

func (r *reopenFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Close()
}
