// Package hostscript runs the state-reading and state-changing scripts of
// modules of several domains on a host. It holds a script run with the
// task's become, the failed result that names host, command, exit code and
// stderr, and the splitting of one script's output into named sections so
// that state is read in one round trip.
package hostscript
