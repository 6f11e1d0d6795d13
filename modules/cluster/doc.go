// Package cluster holds the modules that form clusters of hosts:
// docker_swarm, docker_swarm_token and microk8s.
package cluster
