package system

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// User manages local user accounts with useradd, usermod and userdel
// (ansible.builtin.user).
type User struct{}

var _ module.Module = User{}

func (User) Name() string { return "user" }

func (User) Spec() module.Spec {
	return module.Spec{
		Short: "Manage user accounts",
		Description: "Creates, changes and removes local users. The account, its groups and (when a " +
			"password is managed) its shadow entry are read with one command (getent passwd, " +
			"getent group, id -Gn); only the attributes that differ are changed, with one useradd " +
			"or usermod. The diff shows the account's attributes before and after.",
		Args: append(append([]module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Aliases: []string{"user"}, Doc: "the user name"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "whether the account exists"},
			{Name: "uid", Type: module.TypeInt, Doc: "the user ID"},
			{Name: "group", Type: module.TypeStr, Doc: "the primary group (name or GID); it must exist"},
			{Name: "groups", Type: module.TypeList, Elements: module.TypeStr, Doc: "supplementary groups; with append=false exactly these (an empty list removes all)"},
			{Name: "append", Type: module.TypeBool, Default: false, Doc: "add to groups instead of replacing them"},
			{Name: "shell", Type: module.TypeStr, Doc: "the login shell"},
			{Name: "home", Type: module.TypePath, Doc: "the home directory"},
			{Name: "create_home", Type: module.TypeBool, Default: true, Aliases: []string{"createhome"}, Doc: "create the home directory for a new user"},
			{Name: "move_home", Type: module.TypeBool, Default: false, Doc: "move the old home's content when home changes"},
			{Name: "system", Type: module.TypeBool, Default: false, Doc: "create a system account (only at creation)"},
			{Name: "comment", Type: module.TypeStr, Doc: "the GECOS field"},
			{Name: "password", Type: module.TypeStr, NoLog: true, Doc: "the already hashed password (as in /etc/shadow)"},
			{Name: "update_password", Type: module.TypeStr, Default: "always", Choices: []string{"always", "on_create"}, Doc: "on_create sets the password only for new users"},
			{Name: "password_lock", Type: module.TypeBool, Doc: "lock (true) or unlock (false) the password"},
			{Name: "non_unique", Type: module.TypeBool, Default: false, Doc: "allow a UID that is already used"},
			{Name: "remove", Type: module.TypeBool, Default: false, Doc: "with state=absent, remove the home directory and mail spool"},
			{Name: "force", Type: module.TypeBool, Default: false, Doc: "with state=absent, remove even when the user is logged in"},
			{Name: "local", Type: module.TypeBool, Doc: "accepted for compatibility; the shadow tools are always used"},
		}, userAgingArgs...), append(userSSHKeyArgs, userArgsLinuxIgnores...)...),
		Examples: `- name: A service account for the MSA stack (seed 002)
  ansible.builtin.user:
    name: msa
    uid: 1000
    group: msa
    groups: [docker]
    append: true
    shell: /bin/bash`,
	}
}

// passwdEntry is one getent passwd line.
type passwdEntry struct {
	Name          string
	UID, GID      int
	Comment       string
	Home, Shell   string
	PasswordHash  string      // from getent shadow, when read
	Aging         shadowAging // from getent shadow, when an aging argument is set
	Supplementary []string
	PrimaryGroup  string
}

// groupEntry is one getent group line.
type groupEntry struct {
	Name    string
	GID     int
	Members []string
}

func parsePasswdLine(s string) (passwdEntry, bool) {
	f := strings.Split(strings.TrimRight(s, "\n"), ":")
	if len(f) < 7 {
		return passwdEntry{}, false
	}
	e := passwdEntry{Name: f[0], Comment: f[4], Home: f[5], Shell: f[6]}
	e.UID, _ = strconv.Atoi(f[2])
	e.GID, _ = strconv.Atoi(f[3])
	return e, true
}

func parseGroupLines(s string) []groupEntry {
	var out []groupEntry
	for _, ln := range strings.Split(s, "\n") {
		f := strings.Split(ln, ":")
		if len(f) < 3 {
			continue
		}
		g := groupEntry{Name: f[0]}
		g.GID, _ = strconv.Atoi(f[2])
		if len(f) > 3 && f[3] != "" {
			g.Members = strings.Split(f[3], ",")
		}
		out = append(out, g)
	}
	return out
}

// findGroup resolves a group by name or numeric GID.
func findGroup(groups []groupEntry, ref string) (groupEntry, bool) {
	for _, g := range groups {
		if g.Name == ref {
			return g, true
		}
	}
	if n, err := strconv.Atoi(ref); err == nil {
		for _, g := range groups {
			if g.GID == n {
				return g, true
			}
		}
	}
	return groupEntry{}, false
}

// userReadScript reads the account, its groups and the groups the task
// names, and the shadow hash when a password is managed, in one command.
func userReadScript(name string, groupRefs []string, withShadow, shadowLine bool) string {
	q := hostcmd.Quote(name)
	s := hostscript.Mark("passwd") + "\ngetent passwd " + q + "\n" +
		hostscript.Mark("ids") + "\nid -Gn " + q + " 2>/dev/null\n" +
		hostscript.Mark("groups") + "\ngid=$(getent passwd " + q + " | cut -d: -f4)\ngetent group $gid " + hostscript.QuoteAll(groupRefs) + "\n"
	if withShadow {
		s += hostscript.Mark("shadow") + "\ngetent shadow " + q + " | cut -d: -f2\n"
	}
	if shadowLine {
		s += hostscript.Mark("shadowline") + "\ngetent shadow " + q + "\n"
	}
	return s + "exit 0\n"
}

func (User) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	name := a.String("name")
	var refs []string
	if g := a.String("group"); g != "" {
		refs = append(refs, g)
	}
	refs = append(refs, wantGroups(a)...)
	managePw := a.Has("password") || a.Has("password_lock")
	out, err := hostscript.Run(ctx, c, userReadScript(name, refs, managePw, needsShadowLine(a)), nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("read user %s: %w", name, err)
	}
	sec := hostscript.Sections(out.Stdout)
	groups := parseGroupLines(sec["groups"])
	cur, exists := parsePasswdLine(sec["passwd"])
	if exists {
		if g, ok := findGroup(groups, strconv.Itoa(cur.GID)); ok {
			cur.PrimaryGroup = g.Name
		}
		for _, g := range strings.Fields(sec["ids"]) {
			if g != cur.PrimaryGroup {
				cur.Supplementary = append(cur.Supplementary, g)
			}
		}
		if sh, ok := sec["shadow"]; ok {
			cur.PasswordHash = strings.TrimSpace(sh)
		}
		cur.Aging, _ = parseShadowAging(sec["shadowline"])
	}
	plan, err := planUser(a, cur, exists, groups)
	if err != nil && c.Check && !exists && a.String("state") == "present" {
		// A new user's groups may come from an earlier group task that
		// check mode only predicted. Ansible's check mode reports a new
		// user as a change without looking at its groups; so does this.
		r := module.Result{Changed: true, Msg: fmt.Sprintf("would create user %s (%v on the host now)", name, err)}
		r.Set("name", name)
		r.Set("state", "present")
		if c.Diff {
			r.Diffs = []module.Diff{{BeforeHeader: "user " + name + " (before)", AfterHeader: "user " + name + " (after)",
				Before: "state: absent\n", After: "state: present\n"}}
		}
		return r, nil
	}
	if err != nil {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: user %s: %v", c.Host.Name(), name, err)}, nil
	}
	r := module.Result{}
	r.Set("name", name)
	r.Set("state", a.String("state"))
	if exists {
		setUserValues(&r, cur)
	}
	if len(plan.cmds) == 0 {
		return withSSHKey(ctx, c, r, cur, exists)
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: "user " + name + " (before)", AfterHeader: "user " + name + " (after)", Before: plan.before, After: plan.after}}
	}
	if c.Check {
		var ds []string
		for _, cm := range plan.cmds {
			ds = append(ds, redactPassword(cm)[0])
		}
		r.Msg = "would run: " + strings.Join(ds, ", ")
		return withSSHKey(ctx, c, r, cur, exists)
	}
	for _, cm := range plan.cmds {
		o, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: cm, Become: c.Become})
		display := strings.Join(redactPassword(cm), " ")
		if err != nil {
			return module.Result{}, fmt.Errorf("%s: %w", display, err)
		}
		if o.ExitCode != 0 {
			return hostscript.Failed(c, display, o), nil
		}
	}
	if a.String("state") == "present" {
		// Report the IDs useradd picked.
		if o, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: []string{"getent", "passwd", name}, Become: c.Become}); err == nil && o.ExitCode == 0 {
			if e, ok := parsePasswdLine(string(o.Stdout)); ok {
				e.Supplementary = plan.groups
				setUserValues(&r, e)
				cur, exists = e, true
			}
		}
	}
	return withSSHKey(ctx, c, r, cur, exists)
}

func setUserValues(r *module.Result, e passwdEntry) {
	r.Set("uid", e.UID)
	r.Set("group", e.GID)
	r.Set("comment", e.Comment)
	r.Set("home", e.Home)
	r.Set("shell", e.Shell)
	r.Set("groups", strings.Join(e.Supplementary, ","))
}

// redactPassword hides the hash after -p in a command for display.
func redactPassword(argv []string) []string {
	out := slices.Clone(argv)
	for i := range out {
		if out[i] == "-p" && i+1 < len(out) {
			out[i+1] = "********"
		}
	}
	return []string{strings.Join(out, " ")}
}

func wantGroups(a module.Args) []string {
	var out []string
	for _, g := range a.List("groups") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// userPlan is the commands and the before/after texts for one user.
type userPlan struct {
	cmds          [][]string
	before, after string
	groups        []string // supplementary groups after the change
}

// planUser compares the account with the task and returns the commands
// that make them match.
func planUser(a module.Args, cur passwdEntry, exists bool, groups []groupEntry) (userPlan, error) {
	name := a.String("name")
	if a.String("state") == "absent" {
		return planUserAbsent(a, cur, exists), nil
	}
	var p userPlan
	gid, gname, want, err := userGroupRefs(a, groups)
	if err != nil {
		return p, err
	}
	next := cur
	if !exists {
		next = passwdEntry{Name: name, UID: -1, GID: -1}
	}
	var flags []string
	if a.Has("uid") && (!exists || cur.UID != a.Int("uid")) {
		flags = append(flags, "-u", strconv.Itoa(a.Int("uid")))
		next.UID = a.Int("uid")
		if a.Bool("non_unique") {
			flags = append(flags, "-o")
		}
	}
	if gid >= 0 && (!exists || cur.GID != gid) {
		flags = append(flags, "-g", strconv.Itoa(gid))
		next.GID, next.PrimaryGroup = gid, gname
	}
	if a.Has("groups") {
		var gf []string
		gf, next.Supplementary = userSupplementary(a, cur.Supplementary, want, next.PrimaryGroup, exists)
		flags = append(flags, gf...)
	}
	p.groups = next.Supplementary
	flags = append(flags, userAttrFlags(a, cur, &next, exists)...)
	pwFlags, pwChanged, lockCmd := userPassword(a, cur, exists)
	flags = append(flags, pwFlags...)
	ageFlags, chage, ageDiff := agingPlan(a, cur.Aging, exists)
	flags = append(flags, ageFlags...)
	if !exists {
		argv := append([]string{"useradd"}, creationFlags(a)...)
		if a.Bool("system") {
			argv = append(argv, "-r")
		}
		if a.Bool("create_home") {
			argv = append(argv, "-m")
		} else {
			argv = append(argv, "-M")
		}
		p.cmds = append(p.cmds, append(append(argv, flags...), name))
	} else if len(flags) > 0 {
		p.cmds = append(p.cmds, append(append([]string{"usermod"}, flags...), name))
	}
	if lockCmd != nil {
		p.cmds = append(p.cmds, lockCmd)
	}
	if chage != nil {
		p.cmds = append(p.cmds, chage)
	}
	if len(p.cmds) == 0 {
		return p, nil
	}
	p.before = "state: absent\n"
	if exists {
		p.before = userText(cur)
	}
	after := userText(next)
	if pwChanged {
		after += "password: (changed)\n"
	}
	if lockCmd != nil {
		after += "password_lock: " + strconv.FormatBool(a.Bool("password_lock")) + "\n"
	}
	p.after = after + strings.Join(ageDiff, "")
	return p, nil
}

func planUserAbsent(a module.Args, cur passwdEntry, exists bool) userPlan {
	var p userPlan
	if !exists {
		return p
	}
	argv := []string{"userdel"}
	if a.Bool("remove") {
		argv = append(argv, "-r")
	}
	if a.Bool("force") {
		argv = append(argv, "-f")
	}
	p.cmds = [][]string{append(argv, a.String("name"))}
	p.before = userText(cur)
	p.after = "state: absent\n"
	return p
}

// userGroupRefs resolves group (gid -1 when not given) and groups (as
// names) against the host's groups.
func userGroupRefs(a module.Args, groups []groupEntry) (gid int, gname string, want []string, err error) {
	gid = -1
	if g := a.String("group"); g != "" {
		ge, ok := findGroup(groups, g)
		if !ok {
			return 0, "", nil, fmt.Errorf("Group %s does not exist", g)
		}
		gid, gname = ge.GID, ge.Name
	}
	want = wantGroups(a)
	for _, g := range want {
		if _, ok := findGroup(groups, g); !ok {
			return 0, "", nil, fmt.Errorf("Group %s does not exist", g)
		}
	}
	// Names, not GIDs, so they compare with id -Gn.
	for i, g := range want {
		ge, _ := findGroup(groups, g)
		want[i] = ge.Name
	}
	return gid, gname, want, nil
}

// userSupplementary gives the flags that make the supplementary groups
// cur into want (or add want to them, with append), and the groups after.
func userSupplementary(a module.Args, cur, want []string, primary string, exists bool) ([]string, []string) {
	var flags []string
	sup := slices.Clone(cur)
	if a.Bool("append") {
		var missing []string
		for _, g := range want {
			if !slices.Contains(sup, g) && g != primary {
				missing = append(missing, g)
			}
		}
		if len(missing) > 0 {
			if exists {
				flags = append(flags, "-a")
			}
			flags = append(flags, "-G", strings.Join(missing, ","))
			sup = append(sup, missing...)
		}
		return flags, sup
	}
	var w []string
	for _, g := range want {
		if g != primary && !slices.Contains(w, g) {
			w = append(w, g)
		}
	}
	if !sameSet(w, sup) && (exists || len(w) > 0) {
		flags = append(flags, "-G", strings.Join(w, ","))
	}
	return flags, w
}

// userAttrFlags gives the flags for shell, home and comment, and sets
// them in next.
func userAttrFlags(a module.Args, cur passwdEntry, next *passwdEntry, exists bool) []string {
	var flags []string
	if s := a.String("shell"); a.Has("shell") && (!exists || cur.Shell != s) {
		flags = append(flags, "-s", s)
		next.Shell = s
	}
	if h := a.String("home"); a.Has("home") && (!exists || cur.Home != h) {
		flags = append(flags, "-d", h)
		if exists && a.Bool("move_home") {
			flags = append(flags, "-m")
		}
		next.Home = h
	}
	if cm := a.String("comment"); a.Has("comment") && (!exists || cur.Comment != cm) {
		flags = append(flags, "-c", cm)
		next.Comment = cm
	}
	return flags
}

// userPassword gives the password flag (and whether it changes) and the
// usermod command that locks or unlocks the password, if one is needed.
func userPassword(a module.Args, cur passwdEntry, exists bool) (flags []string, changed bool, lockCmd []string) {
	if pw := a.String("password"); a.Has("password") && (!exists || a.String("update_password") == "always") {
		have := strings.TrimPrefix(cur.PasswordHash, "!")
		if !exists || have != pw {
			flags = append(flags, "-p", pw)
			changed = true
		}
	}
	if a.Has("password_lock") {
		name := a.String("name")
		locked := strings.HasPrefix(cur.PasswordHash, "!")
		if a.Bool("password_lock") && (!exists || !locked) {
			lockCmd = []string{"usermod", "-L", name}
		} else if !a.Bool("password_lock") && exists && locked {
			lockCmd = []string{"usermod", "-U", name}
		}
	}
	return flags, changed, lockCmd
}

// userText renders the attributes the diff shows; unknown values (an ID
// useradd will pick) read "(auto)".
func userText(e passwdEntry) string {
	id := func(n int) string {
		if n < 0 {
			return "(auto)"
		}
		return strconv.Itoa(n)
	}
	group := id(e.GID)
	if e.PrimaryGroup != "" {
		group = e.PrimaryGroup + " (" + id(e.GID) + ")"
	}
	home := e.Home
	if home == "" {
		home = "(default)"
	}
	shell := e.Shell
	if shell == "" {
		shell = "(default)"
	}
	return hostscript.TextLines([][2]string{
		{"state", "present"}, {"name", e.Name}, {"uid", id(e.UID)}, {"group", group},
		{"groups", strings.Join(e.Supplementary, ",")}, {"comment", e.Comment}, {"home", home}, {"shell", shell},
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
