package modules

// Builtin returns a registry with every module haplay ships.
func Builtin() *Registry {
	return NewRegistry(
		Command{}, Shell{}, Ping{}, Debug{}, SetFact{}, Assert{}, Fail{}, Meta{},
		HAProxyConfig{}, HAProxy{}, NewMicroK8s(),
		DockerSwarm{}, DockerSwarmToken{},
	)
}
