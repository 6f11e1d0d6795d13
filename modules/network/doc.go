// Package network holds the modules for a host's name, addresses and
// traffic: hostname, etc_hosts, netplan, firewalld, haproxy, haproxy_config
// and uri.
package network
