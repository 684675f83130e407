// Package sdkclient tells an AWS SDK client built with its constructor from
// one that was not: a zero value such as &kms.Client{} has no HTTP client
// and no retryer, and panics inside the SDK on its first call.
package sdkclient

import "reflect"

// Unbuilt reports whether v is an aws-sdk-go-v2 service client (anything
// with an Options() method returning the service's Options struct) whose
// options have neither an HTTPClient nor a Retryer, which every constructor
// of the SDK (New, NewFromConfig) sets. A value without such a method is
// not a client this package knows, and Unbuilt returns false for it, so
// mocks and fakes pass.
func Unbuilt(v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return false
	}
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return false // typed nil: the caller's nil check reports it
	}
	m := rv.MethodByName("Options")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 || m.Type().Out(0).Kind() != reflect.Struct {
		return false
	}
	opts := m.Call(nil)[0]
	h, r := opts.FieldByName("HTTPClient"), opts.FieldByName("Retryer")
	if !h.IsValid() || !r.IsValid() {
		return false
	}
	return isNil(h) && isNil(r)
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan:
		return v.IsNil()
	}
	return false
}
