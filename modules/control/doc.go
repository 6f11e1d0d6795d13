// Package control holds the modules that act on the run rather than on a
// host: debug, set_fact, assert, fail, meta, pause, include_vars, add_host
// and group_by.
package control
