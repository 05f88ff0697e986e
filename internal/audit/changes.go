package audit

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
)

// Change is one field of an entry's before and after, as the page lists it.
type Change struct {
	Field     string // the field's label
	Before    string
	After     string
	HasBefore bool // the field was in the before (it had a value, possibly none)
	HasAfter  bool
}

// changes lists the fields that differ between before and after (JSON objects, or ""
// for none), in fieldOrder: a field in only one of them is listed with that side alone;
// a field equal on both sides is left out. A side that is not an object is listed as one
// field called "Value".
func changes(before, after string) []Change {
	b, bok := object(before)
	a, aok := object(after)
	if before != "" && !bok || after != "" && !aok {
		c := Change{Field: "Value"}
		if before != "" {
			c.Before, c.HasBefore = show(json.RawMessage(before)), true
		}
		if after != "" {
			c.After, c.HasAfter = show(json.RawMessage(after)), true
		}
		return []Change{c}
	}
	keys := make([]string, 0, len(b)+len(a))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, oj := rank(keys[i]), rank(keys[j])
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	var out []Change
	for _, k := range keys {
		bv, inB := b[k]
		av, inA := a[k]
		if inB && inA && same(bv, av) {
			continue
		}
		c := Change{Field: fieldLabel(k), HasBefore: inB, HasAfter: inA}
		if inB {
			c.Before = show(bv)
		}
		if inA {
			c.After = show(av)
		}
		out = append(out, c)
	}
	return out
}

func rank(key string) int {
	if i := slices.Index(fieldOrder, key); i >= 0 {
		return i
	}
	return len(fieldOrder)
}

// object decodes a JSON object; ok is false for "" or anything else.
func object(s string) (map[string]json.RawMessage, bool) {
	if s == "" {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// same reports whether two JSON values are equal (Postgres' jsonb spacing aside).
func same(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// show is a JSON value for people: a string as it is (the page escapes it), null as
// "none", true and false as "yes" and "no", anything else as compact JSON.
func show(v json.RawMessage) string {
	var s string
	if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '"' && json.Unmarshal(t, &s) == nil {
		return s // (null would unmarshal into a string too, as "")
	}
	switch string(bytes.TrimSpace(v)) {
	case "null":
		return "none"
	case "true":
		return "yes"
	case "false":
		return "no"
	}
	var c bytes.Buffer
	if json.Compact(&c, v) != nil {
		return string(v)
	}
	return c.String()
}
