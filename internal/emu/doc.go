// Package emu holds the shape the module's emulators (kmstest,
// policyenginetest, batchevaltest) share, so that a reader who learned one
// knows the others:
//
//   - [Fault], an error response injected in place of an operation, with
//     [ThrottlingFault] and [InternalFault], and [Faults], the queue that
//     [Faults.InjectFault] appends to and [Faults.Next] takes from;
//   - [Latency], the delay added before every operation ([Latency.SetLatency],
//     [Latency.Wait]);
//   - [Recorder], a bounded ring of the requests an emulator served
//     ([Recorder.Requests]), so that memory per recorded request is bounded;
//   - [Front], what the HTTP emulators (policyenginetest, batchevaltest and
//     its S3) do around every request: count it, wait the latency, answer a
//     handler's panic rather than drop the connection, and record the
//     [Request] with the status and error code its [StatusWriter] saw.
//
// Each emulator keeps its own record type (kmstest.Call, ...) and exposes
// these as `type Fault = emu.Fault` and as methods with the same names:
// InjectFault(op, fault, n), SetLatency(d), Requests().
//
// Every type's zero value is ready to use, every method is safe for
// concurrent use, and every method on a pointer is nil-safe (a nil value
// injects nothing, waits for nothing and records nothing).
package emu
