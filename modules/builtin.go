package modules

// Builtin returns a registry with every module haplay ships.
func Builtin() *Registry {
	return NewRegistry(
		Command{}, Shell{}, Ping{}, Debug{}, SetFact{}, Assert{}, Fail{}, Meta{},
		Apt{},
		Package{},
		Service{},
		Systemd{}, SystemdService{},
		User{},
		Group{},
		WaitFor{},
		URI{},
		Raw{},
		Script{},
		HAProxyConfig{}, HAProxy{}, NewMicroK8s(),
		DockerSwarm{}, DockerSwarmToken{},
		Hostname{}, EtcHosts{}, Netplan{}, Lvg{}, Lvol{}, Firewalld{},
		Copy{},
		Template{},
		File{},
		LineInFile{},
		BlockInFile{},
		Replace{},
		Stat{},
		Slurp{},
		Fetch{}, Setup{},
		IncludeVars{}, AddHost{}, GroupBy{}, Pause{}, WaitForConnection{},
		Reboot{},
	)
}
