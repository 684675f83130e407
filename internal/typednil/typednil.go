// Package typednil tells whether an interface value is nil or holds a nil
// pointer, such as a *kms.Client left nil by a failed constructor. Calling a
// method on such a value panics, in a goroutine where nobody can recover it,
// so the packages check their client arguments with Is first.
package typednil

import "reflect"

// Is reports whether v is nil or holds a nil pointer, map, slice, func,
// channel or interface.
func Is(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
