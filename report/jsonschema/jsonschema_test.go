package jsonschema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "other.json", `{"$defs": {"port": {"type": "integer", "minimum": 1}}}`)
	path := write(t, dir, "main.json", `{
		"type": "object",
		"required": ["kind", "n"],
		"properties": {
			"kind": {"enum": ["a", "b"]},
			"n": {"$ref": "other.json#/$defs/port"},
			"name": {"type": "string", "pattern": "^[a-z]+$"},
			"list": {"type": ["array", "null"], "items": {"$ref": "#/$defs/item"}},
			"free": {"type": "object", "additionalProperties": true}
		},
		"$defs": {
			"item": {"type": "object", "required": ["x"], "properties": {"x": {"const": 1}}}
		}
	}`)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		doc     string
		strict  bool
		wantErr string // substring of the first error; "" for valid
	}{
		{"valid", `{"kind":"a","n":500,"name":"gw","list":[{"x":1}],"free":{"anything":2}}`, true, ""},
		{"null list", `{"kind":"b","n":1,"list":null}`, true, ""},
		{"missing", `{"kind":"a"}`, false, `required property "n" is missing`},
		{"enum", `{"kind":"c","n":1}`, false, `"c" is not one of` + ""},
		{"ref across files", `{"kind":"a","n":0}`, false, "below the minimum"},
		{"integer", `{"kind":"a","n":1.5}`, false, "is number, want integer"},
		{"pattern", `{"kind":"a","n":1,"name":"GW"}`, false, "does not match"},
		{"items", `{"kind":"a","n":1,"list":[{"x":2}]}`, false, "/list/0/x: is 2, want 1"},
		{"open by default", `{"kind":"a","n":1,"new":true}`, false, ""},
		{"strict", `{"kind":"a","n":1,"new":true}`, true, `property "new" is not described`},
		{"strict nested", `{"kind":"a","n":1,"list":[{"x":1,"y":2}]}`, true, `/list/0: property "y" is not described`},
		{"not json", `{"kind":`, false, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := s.Validate([]byte(tt.doc), tt.strict)
			if tt.wantErr == "" {
				if len(errs) > 0 {
					t.Errorf("want valid, got %v", errs)
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), strings.Trim(tt.wantErr, `"`)) && !strings.Contains(errs[0].Error(), tt.wantErr) {
				t.Errorf("errors %v, want one with %q", errs, tt.wantErr)
			}
		})
	}
}

// Strict validation counts properties evaluated through allOf and $ref, as
// unevaluatedProperties does; oneOf picks the one branch that matches.
func TestComposition(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "ev.json", `{
		"oneOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}],
		"$defs": {
			"head": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}},
			"a": {"allOf": [{"$ref": "#/$defs/head"}, {"properties": {"type": {"const": "a"}, "x": {"type": "integer"}}}]},
			"b": {"allOf": [{"$ref": "#/$defs/head"}, {"properties": {"type": {"const": "b"}, "y": {"type": "string"}}}]}
		}
	}`)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{
		`{"type":"a","x":1}`:        "",
		`{"type":"b","y":"s"}`:      "",
		`{"type":"c"}`:              "matches none of oneOf",
		`{"type":"a","x":1,"z":2}`:  `property "z" is not described`,
		`{"type":"a","y":"wrong"}`:  `property "y" is not described`,
		`{"type":"b","y":1}`:        "matches none of oneOf",
		`{"x":1}`:                   "matches none of oneOf",
		`{"type":"a","x":"string"}`: "matches none of oneOf",
	} {
		errs := s.Validate([]byte(doc), true)
		switch {
		case want == "" && len(errs) > 0:
			t.Errorf("%s: want valid, got %v", doc, errs)
		case want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), want)):
			t.Errorf("%s: errors %v, want %q", doc, errs, want)
		}
	}
}

func TestUnsupportedKeyword(t *testing.T) {
	path := write(t, t.TempDir(), "s.json", `{"type": "object", "properties": {"a": {"maxLength": 3}}}`)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "maxLength") {
		t.Errorf("Load accepted a keyword it does not check: %v", err)
	}
}

// The published schemas load: every keyword they use is one this package checks.
func TestPublishedSchemasLoad(t *testing.T) {
	for _, name := range []string{"analyze.schema.json", "analyze-events.schema.json"} {
		if _, err := Load(filepath.Join("..", "..", "docs", "schema", name)); err != nil {
			t.Error(err)
		}
	}
}
