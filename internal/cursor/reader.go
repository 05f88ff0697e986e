package cursor

import "time"

// Reader reads a cursor's fields in order, each as the list expects it. The first
// mismatch (a missing field, another kind, a value out of the asked range) sticks: the
// later reads return zero values and Err reports ErrInvalid.
//
//	r := cursor.Read(q.Get("after"))
//	at, id := r.Time(), r.UUID()
//	if err := r.Err(); err != nil { /* 400 */ }
type Reader struct {
	vals []Value
	err  error
}

// Read starts reading the cursor s (ErrInvalid at Err when it does not decode).
func Read(s string) *Reader {
	vals, err := Decode(s)
	return &Reader{vals: vals, err: err}
}

func (r *Reader) next(kinds ...Kind) Value {
	if r.err != nil {
		return Value{}
	}
	if len(r.vals) == 0 {
		r.err = ErrInvalid
		return Value{}
	}
	v := r.vals[0]
	for _, k := range kinds {
		if v.Kind == k {
			r.vals = r.vals[1:]
			return v
		}
	}
	r.err = ErrInvalid
	return Value{}
}

// Time reads a time field.
func (r *Reader) Time() time.Time { return r.next(KindTime).Time }

// OptTime reads a time field or a KindNoTime one (nil).
func (r *Reader) OptTime() *time.Time {
	v := r.next(KindTime, KindNoTime)
	if v.Kind != KindTime {
		return nil
	}
	return &v.Time
}

// Int reads an integer field in [lo, hi].
func (r *Reader) Int(lo, hi int64) int64 {
	v := r.next(KindInt)
	if r.err == nil && (v.Int < lo || v.Int > hi) {
		r.err = ErrInvalid
		return 0
	}
	return v.Int
}

// Text reads a text field.
func (r *Reader) Text() string { return r.next(KindText).Text }

// UUID reads a UUID field (in its lowercase 36-character form).
func (r *Reader) UUID() string { return r.next(KindUUID).Text }

// Err is ErrInvalid when the cursor did not decode, a read did not match, or fields
// are left over; nil when every field was read as asked.
func (r *Reader) Err() error {
	if r.err == nil && len(r.vals) > 0 {
		r.err = ErrInvalid
	}
	return r.err
}
