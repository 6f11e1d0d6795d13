// Package files holds the modules that manage files on a host: copy (local
// sources and remote trees), template, file, lineinfile, blockinfile,
// replace, stat, slurp and fetch, with their shared attribute, content and
// Python-regex helpers.
package files
