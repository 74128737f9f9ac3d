package schematest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "other.json", `{"$defs": {"port": {"type": "integer", "minimum": 1}}}`)
	write(t, dir, "main.json", `{
		"type": "object",
		"required": ["kind", "n"],
		"properties": {
			"kind": {"enum": ["a", "b"]},
			"n": {"$ref": "other.json#/$defs/port"},
			"name": {"type": "string", "pattern": "^[a-z]+$"},
			"at": {"type": "string", "format": "date-time"},
			"list": {"type": ["array", "null"], "items": {"$ref": "#/$defs/item"}},
			"free": {"type": "object", "additionalProperties": true}
		},
		"$defs": {
			"item": {"type": "object", "required": ["x"], "properties": {"x": {"const": 1}}}
		}
	}`)
	tests := []struct {
		name    string
		doc     string
		strict  bool
		wantErr string // substring of the error; "" for valid
	}{
		{"valid", `{"kind":"a","n":500,"name":"gw","at":"2026-11-22T07:01:59Z","list":[{"x":1}],"free":{"anything":2}}`, true, ""},
		{"null list", `{"kind":"b","n":1,"list":null}`, true, ""},
		{"missing", `{"kind":"a"}`, false, "missing property 'n'"},
		{"enum", `{"kind":"c","n":1}`, false, "must be one of"},
		{"ref across files", `{"kind":"a","n":0}`, false, "minimum"},
		{"integer", `{"kind":"a","n":1.5}`, false, "want integer"},
		{"pattern", `{"kind":"a","n":1,"name":"GW"}`, false, "does not match pattern"},
		{"format", `{"kind":"a","n":1,"at":"yesterday"}`, false, "date-time"},
		{"items", `{"kind":"a","n":1,"list":[{"x":2}]}`, false, "/list/0/x"},
		{"open by default", `{"kind":"a","n":1,"new":true}`, false, ""},
		{"strict", `{"kind":"a","n":1,"new":true}`, true, "at '/new': false schema"},
		{"strict nested", `{"kind":"a","n":1,"list":[{"x":1,"y":2}]}`, true, "at '/list/0/y'"},
		{"strict leaves additionalProperties alone", `{"kind":"a","n":1,"free":{"y":2}}`, true, ""},
		{"not json", `{"kind":`, false, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(dir, "main.json", tt.strict)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Validate([]byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("want valid, got %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one with %q", err, tt.wantErr)
			}
		})
	}
}

// Strict counts properties described through allOf, oneOf and $ref, as
// unevaluatedProperties does; oneOf picks the one branch that matches.
func TestStrictComposition(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ev.json", `{
		"oneOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}],
		"$defs": {
			"head": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}},
			"a": {"allOf": [{"$ref": "#/$defs/head"}, {"properties": {"type": {"const": "a"}, "x": {"type": "integer"}}}]},
			"b": {"allOf": [{"$ref": "#/$defs/head"}, {"properties": {"type": {"const": "b"}, "y": {"type": "string"}}}]}
		}
	}`)
	s, err := Load(dir, "ev.json", true)
	if err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{
		`{"type":"a","x":1}`:        "",
		`{"type":"b","y":"s"}`:      "",
		`{"type":"c"}`:              "oneOf",
		`{"type":"a","x":1,"z":2}`:  "at '/z'",
		`{"type":"a","y":"wrong"}`:  "at '/y'",
		`{"type":"b","y":1}`:        "oneOf",
		`{"x":1}`:                   "oneOf",
		`{"type":"a","x":"string"}`: "oneOf",
	} {
		err := s.Validate([]byte(doc))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: want valid, got %v", doc, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want one with %q", doc, err, want)
		}
	}
}

// The published schemas compile, plain and strict.
func TestPublishedSchemasLoad(t *testing.T) {
	for _, name := range []string{"analyze.schema.json", "analyze-events.schema.json"} {
		for _, strict := range []bool{false, true} {
			if _, err := Load(filepath.Join("..", "..", "docs", "schema"), name, strict); err != nil {
				t.Error(err)
			}
		}
	}
}
