// Package schematest checks, in tests, the JSON documents ikescope writes against the
// schemas it publishes in docs/schema, with github.com/santhosh-tekuri/jsonschema/v6
// (the whole of JSON Schema draft 2020-12, formats asserted).
//
// Strict validation also rejects properties that no schema describes. The published
// schemas stay open to the fields later versions add; the tests make sure they describe
// every field there is. Strict is that transform: it adds "unevaluatedProperties": false
// wherever an object is validated as a whole, so properties described through allOf,
// oneOf and $ref count as described.
package schematest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema is a compiled schema.
type Schema struct {
	s *jsonschema.Schema
}

// Load compiles the schema file name in dir, with every other *.json file in dir
// available to its $refs. With strict set, every schema goes through Strict first.
func Load(dir, name string, strict bool) (*Schema, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// Only the schemas in dir: a $ref elsewhere is an error, never a download.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	urls := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		url := "file://" + filepath.ToSlash(mustAbs(f))
		if m, ok := doc.(map[string]any); ok {
			if id, ok := m["$id"].(string); ok {
				url = id
			}
		}
		if strict {
			Strict(doc)
		}
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		urls[filepath.Base(f)] = url
	}
	url, ok := urls[name]
	if !ok {
		return nil, fmt.Errorf("no schema %s in %s", name, dir)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &Schema{s}, nil
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// Validate checks one JSON document; the error lists every violation.
func (s *Schema) Validate(doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return s.s.Validate(v)
}

// Strict closes the schema doc (as decoded JSON) in place: every schema that validates
// an object as a whole, and does not say what to do with other properties, gets
// "unevaluatedProperties": false. Members of allOf, anyOf and oneOf, and $defs, are left
// open (they describe part of an object; the schema that uses them closes it), and so
// are schemas that give additionalProperties or unevaluatedProperties themselves.
func Strict(doc any) { closeSchema(doc, false) }

func closeSchema(node any, part bool) {
	m, ok := node.(map[string]any)
	if !ok {
		return // true, false
	}
	_, add := m["additionalProperties"]
	_, uneval := m["unevaluatedProperties"]
	if !part && !add && !uneval && objectSchema(m) {
		m["unevaluatedProperties"] = false
	}
	for _, k := range []string{"properties", "patternProperties"} {
		if props, ok := m[k].(map[string]any); ok {
			for _, p := range props {
				closeSchema(p, false)
			}
		}
	}
	for _, k := range []string{"additionalProperties", "items", "contains", "unevaluatedItems"} {
		closeSchema(m[k], false)
	}
	if items, ok := m["prefixItems"].([]any); ok {
		for _, it := range items {
			closeSchema(it, false)
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := m[k].([]any); ok {
			for _, sub := range list {
				closeSchema(sub, true)
			}
		}
	}
	for _, k := range []string{"not", "if", "then", "else"} {
		closeSchema(m[k], true)
	}
	if defs, ok := m["$defs"].(map[string]any); ok {
		for _, d := range defs {
			closeSchema(d, true)
		}
	}
}

// objectSchema reports whether m describes or composes an object's properties.
func objectSchema(m map[string]any) bool {
	for _, k := range []string{"properties", "allOf", "anyOf", "oneOf", "$ref"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	switch t := m["type"].(type) {
	case string:
		return t == "object"
	case []any:
		for _, x := range t {
			if x == "object" {
				return true
			}
		}
	}
	return false
}
