package modules

import (
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/cluster"
	"github.com/haplay/haplay/modules/commands"
	"github.com/haplay/haplay/modules/control"
	"github.com/haplay/haplay/modules/files"
	"github.com/haplay/haplay/modules/network"
	"github.com/haplay/haplay/modules/storage"
	"github.com/haplay/haplay/modules/system"
)

// Builtin returns a registry with every module haplay ships.
func Builtin() *module.Registry {
	return module.NewRegistry(
		commands.Command{}, commands.Shell{}, system.Ping{}, control.Debug{}, control.SetFact{}, control.Assert{}, control.Fail{}, control.Meta{}, control.AsyncStatus{},
		system.Apt{},
		system.Package{},
		system.Service{},
		system.Systemd{}, system.SystemdService{},
		system.User{},
		system.Group{},
		system.WaitFor{},
		network.URI{},
		commands.Raw{},
		commands.Script{},
		network.HAProxyConfig{}, network.HAProxy{}, cluster.NewMicroK8s(),
		cluster.DockerSwarm{}, cluster.DockerSwarmToken{},
		network.Hostname{}, network.EtcHosts{}, network.Netplan{}, storage.Lvg{}, storage.Lvol{}, network.Firewalld{},
		files.Copy{},
		files.Template{},
		files.File{},
		files.LineInFile{},
		files.BlockInFile{},
		files.Replace{},
		files.Stat{},
		files.Slurp{},
		files.Fetch{}, system.Setup{},
		control.IncludeVars{}, control.AddHost{}, control.GroupBy{}, control.Pause{}, system.WaitForConnection{},
		system.Reboot{},
		system.AptRepository{},
		system.AptKey{},
		system.Deb822Repository{},
		files.GetURL{},
		files.Find{},
		files.Unarchive{},
		system.Sysctl{},
		files.AuthorizedKey{},
		system.Getent{},
		system.Cron{},
		files.KnownHosts{},
		system.LocaleGen{},
		storage.Mount{},
		storage.Filesystem{},
	)
}
