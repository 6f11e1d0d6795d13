// Package storage holds the LVM modules, lvg and lvol, and their shared
// reading of the LVM reports.
package storage
