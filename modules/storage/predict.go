package storage

import (
	"strconv"

	"github.com/haplay/haplay/engine/module"
)

// The check-mode predictions of mount points and filesystems, kept in the
// host's overlay of named state (module.UnitPredictor) so a later task of
// the same check run plans from what this one would leave: a mount point
// mounted then unmounted, a filesystem made then grown or wiped.

func predicted(c *module.Call, key string) (map[string]string, bool) {
	p, ok := c.Host.(module.UnitPredictor)
	if !ok || !c.Check {
		return nil, false
	}
	u, ok := p.PredictedUnit(key)
	return u.Props, ok
}

func recordState(c *module.Call, key string, props map[string]string) {
	if p, ok := c.Host.(module.UnitPredictor); ok && c.Check {
		p.RecordUnit(key, module.UnitState{Props: props})
	}
}

// predictedMount overlays what earlier tasks predicted of path on st.
func predictedMount(c *module.Call, st *mountState, path string) {
	props, ok := predicted(c, "mount:"+path)
	if !ok {
		return
	}
	st.PathExists, st.IsMount = props["exists"] == "yes", props["mounted"] == "yes"
	if st.Mounts == nil {
		st.Mounts = map[string]mountRec{}
	}
	delete(st.Mounts, path)
	if st.IsMount {
		st.Mounts[path] = mountRec{Src: props["src"], Source: props["src"], Target: path}
	}
}

// recordMount records what the plan leaves of the mount point.
func recordMount(c *module.Call, m mountArgs, st mountState, p mountPlan) {
	if !p.Changed {
		return
	}
	exists, mounted := st.PathExists || p.Mkdir, (st.IsMount || p.Mount || p.Remount) && !p.Umount
	if p.Rmdir {
		exists = false
	}
	src := m.Entry.Src
	if cur, ok := st.Mounts[m.Entry.Name]; ok && !p.Mount {
		src = cur.Source
	}
	yes := map[bool]string{true: "yes", false: "no"}
	recordState(c, "mount:"+m.Entry.Name, map[string]string{"exists": yes[exists], "mounted": yes[mounted], "src": src})
}

// predictedFS overlays what earlier tasks predicted of dev on st.
func predictedFS(c *module.Call, st *fsState, dev string) {
	props, ok := predicted(c, "filesystem:"+dev)
	if !ok || st.Missing {
		return
	}
	st.Fs = props["type"]
	if n, err := strconv.ParseInt(props["size"], 10, 64); err == nil {
		st.FsSize = n
	}
}

// recordFS records the filesystem the plan leaves on dev: a new one (or a
// grown one) fills the device, a wiped device has none.
func recordFS(c *module.Call, a module.Args, st fsState, p fsPlan) {
	if !p.Changed {
		return
	}
	props := map[string]string{"type": "", "size": "-1"}
	if a.String("state") == "present" {
		props["type"], props["size"] = fsTypeName(a.String("fstype")), strconv.FormatInt(st.DevSize, 10)
	}
	recordState(c, "filesystem:"+a.String("dev"), props)
}
