// Package jsonschema validates JSON documents against the subset of JSON Schema (draft
// 2020-12) that ikescope's published schemas use, so that the tests can check every JSON
// document they produce against docs/schema/*.schema.json without a dependency.
//
// Supported keywords: type (a name or a list), properties, required,
// additionalProperties (a boolean or a schema), items, enum, const, minimum, pattern,
// allOf, anyOf, oneOf, and $ref to "#/$defs/NAME" or "OTHER.json#/$defs/NAME" beside the
// schema. Annotations ($schema, $id, $comment, title, description, format, examples) are
// ignored. Any other keyword is an error, so that a schema never silently says more than
// is checked.
//
// Strict validation also rejects properties that no schema describes (as if every object
// schema said "unevaluatedProperties": false): the published schemas stay open to the
// fields later versions add, and the tests make sure they describe every field there is.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Schema is a loaded schema.
type Schema struct {
	root  map[string]any
	name  string // the root's file name
	dir   string
	files map[string]map[string]any // other schemas by file name, loaded on first $ref
}

// Load reads a schema file.
func Load(path string) (*Schema, error) {
	root, err := readJSON(path)
	if err != nil {
		return nil, err
	}
	s := &Schema{root: root, name: filepath.Base(path), dir: filepath.Dir(path), files: map[string]map[string]any{filepath.Base(path): root}}
	if err := s.check(root, "#"); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return s, nil
}

func readJSON(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

var known = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"enum": true, "const": true, "minimum": true, "pattern": true, "allOf": true, "anyOf": true, "oneOf": true,
	"$ref": true, "$defs": true,
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true, "format": true, "examples": true,
}

// check rejects keywords the validator does not implement.
func (s *Schema) check(node map[string]any, at string) error {
	for k, v := range node {
		if !known[k] {
			return fmt.Errorf("%s: keyword %q is not supported by this validator", at, k)
		}
		switch k {
		case "properties", "$defs":
			for name, sub := range v.(map[string]any) {
				if err := s.check(sub.(map[string]any), at+"/"+k+"/"+name); err != nil {
					return err
				}
			}
		case "items", "additionalProperties":
			if sub, ok := v.(map[string]any); ok {
				if err := s.check(sub, at+"/"+k); err != nil {
					return err
				}
			}
		case "allOf", "anyOf", "oneOf":
			for i, sub := range v.([]any) {
				if err := s.check(sub.(map[string]any), fmt.Sprintf("%s/%s/%d", at, k, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Validate checks one JSON document. It returns every problem found, each naming the
// place in the document (a JSON pointer).
func (s *Schema) Validate(doc []byte, strict bool) []error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []error{fmt.Errorf("not JSON: %v", err)}
	}
	if dec.More() {
		return []error{fmt.Errorf("more than one JSON value")}
	}
	vs := &validation{s: s, strict: strict}
	vs.validate(s.root, v, "", s.name, true)
	return vs.errs
}

type validation struct {
	s      *Schema
	strict bool
	errs   []error
}

func (vs *validation) fail(at, format string, args ...any) {
	if at == "" {
		at = "/"
	}
	vs.errs = append(vs.errs, fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...)))
}

// resolve follows a $ref, relative to the file the schema node came from.
func (vs *validation) resolve(ref, file string) (map[string]any, string) {
	name, frag, _ := strings.Cut(ref, "#")
	if name == "" {
		name = file
	}
	doc, ok := vs.s.files[name]
	if !ok {
		d, err := readJSON(filepath.Join(vs.s.dir, name))
		if err != nil {
			return nil, name
		}
		if err := vs.s.check(d, name+"#"); err != nil {
			return nil, name
		}
		vs.s.files[name] = d
		doc = d
	}
	node := doc
	for _, part := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if part == "" {
			continue
		}
		next, ok := node[part].(map[string]any)
		if !ok {
			return nil, name
		}
		node = next
	}
	return node, name
}

// validate checks v against schema and returns the properties of v (an object) that the
// schema evaluated. top is false for a schema applied to the same value through $ref,
// allOf, anyOf or oneOf: strict validation looks at the evaluated properties only where
// every such schema has had its say.
func (vs *validation) validate(schema map[string]any, v any, at, file string, top bool) map[string]bool {
	evaluated := map[string]bool{}
	applicatorFailed := false // then strict validation has nothing to add
	if ref, ok := schema["$ref"].(string); ok {
		target, tfile := vs.resolve(ref, file)
		if target == nil {
			vs.fail(at, "cannot resolve $ref %q", ref)
			return evaluated
		}
		for k := range vs.validate(target, v, at, tfile, false) {
			evaluated[k] = true
		}
	}
	if t, ok := schema["type"]; ok && !typeMatches(t, v) {
		vs.fail(at, "is %s, want %v", typeName(v), t)
		return evaluated
	}
	if c, ok := schema["const"]; ok && !equal(c, v) {
		vs.fail(at, "is %s, want %s", show(v), show(c))
	}
	if e, ok := schema["enum"].([]any); ok {
		found := false
		for _, x := range e {
			if equal(x, v) {
				found = true
			}
		}
		if !found {
			vs.fail(at, "%s is not one of %s", show(v), show(e))
		}
	}
	if m, ok := schema["minimum"].(json.Number); ok {
		if n, isNum := v.(json.Number); isNum {
			a, _ := n.Float64()
			b, _ := m.Float64()
			if a < b {
				vs.fail(at, "%v is below the minimum %v", n, m)
			}
		}
	}
	if p, ok := schema["pattern"].(string); ok {
		if str, isStr := v.(string); isStr {
			re, err := regexp.Compile(p)
			if err != nil {
				vs.fail(at, "bad pattern %q: %v", p, err)
			} else if !re.MatchString(str) {
				vs.fail(at, "%q does not match %q", str, p)
			}
		}
	}
	for _, sub := range list(schema["allOf"]) {
		for k := range vs.validate(sub, v, at, file, false) {
			evaluated[k] = true
		}
	}
	if subs := list(schema["anyOf"]); len(subs) > 0 {
		ok := false
		for _, sub := range subs {
			trial := &validation{s: vs.s, strict: vs.strict}
			ev := trial.validate(sub, v, at, file, false)
			if len(trial.errs) == 0 {
				ok = true
				for k := range ev {
					evaluated[k] = true
				}
			}
		}
		if !ok {
			applicatorFailed = true
			vs.fail(at, "matches none of anyOf")
		}
	}
	if subs := list(schema["oneOf"]); len(subs) > 0 {
		var matched []int
		var firstErrs []error
		for i, sub := range subs {
			trial := &validation{s: vs.s, strict: vs.strict}
			ev := trial.validate(sub, v, at, file, false)
			if len(trial.errs) == 0 {
				matched = append(matched, i)
				for k := range ev {
					evaluated[k] = true
				}
			} else if firstErrs == nil || len(trial.errs) < len(firstErrs) {
				firstErrs = trial.errs
			}
		}
		applicatorFailed = applicatorFailed || len(matched) != 1
		switch {
		case len(matched) == 0:
			vs.fail(at, "matches none of oneOf; the closest fails with: %v", firstErrs)
		case len(matched) > 1:
			vs.fail(at, "matches %d of oneOf (%v), want exactly one", len(matched), matched)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range list2(schema["required"]) {
			if _, ok := x[r]; !ok {
				vs.fail(at, "required property %q is missing", r)
			}
		}
		for _, k := range sortedKeys(x) {
			sub, ok := props[k].(map[string]any)
			if ok {
				evaluated[k] = true
				vs.validate(sub, x[k], at+"/"+k, file, true)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					vs.fail(at, "property %q is not allowed", k)
				}
				evaluated[k] = true
			case map[string]any:
				evaluated[k] = true
				vs.validate(ap, x[k], at+"/"+k, file, true)
			}
		}
		if vs.strict && top && !applicatorFailed {
			for _, k := range sortedKeys(x) {
				if !evaluated[k] {
					vs.fail(at, "property %q is not described by the schema", k)
				}
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range x {
				vs.validate(items, e, fmt.Sprintf("%s/%d", at, i), file, true)
			}
		}
	}
	return evaluated
}

func list(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, i := range items {
		if m, ok := i.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func list2(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, i := range items {
		if s, ok := i.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if isInteger(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isInteger(n json.Number) bool {
	return !strings.ContainsAny(n.String(), ".eE")
}

func typeMatches(t any, v any) bool {
	names := []string{}
	switch x := t.(type) {
	case string:
		names = append(names, x)
	case []any:
		for _, n := range x {
			if s, ok := n.(string); ok {
				names = append(names, s)
			}
		}
	}
	got := typeName(v)
	for _, n := range names {
		if n == got || n == "number" && got == "integer" {
			return true
		}
	}
	return false
}

// show writes a value as JSON, for messages.
func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func equal(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
