package modules

// Builtin returns a registry with every module haplay ships.
func Builtin() *Registry {
	return NewRegistry(
		Command{}, Shell{}, Ping{}, Debug{}, SetFact{}, Assert{}, Fail{}, Meta{},
		Copy{},
		Template{},
		File{},
		LineInFile{},
		BlockInFile{},
		Replace{},
		Stat{},
		Slurp{},
		Fetch{},
	)
}
