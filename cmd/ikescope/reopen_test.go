package main

import (
	"os"
	"path/filepath"
	"testing"
)

// After logrotate moves the file away, reopen writes a new one under the same name.
func TestReopenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	r, err := openReopenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Write([]byte("before\n"))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := r.reopen(); err != nil {
		t.Fatal(err)
	}
	r.Write([]byte("after\n"))
	r.Close()
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "before\n" || string(cur) != "after\n" {
		t.Errorf("rotated %q, new %q; want before and after apart", old, cur)
	}
}
