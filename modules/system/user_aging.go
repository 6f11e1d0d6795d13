package system

import (
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/module"
)

// The user module's account aging (expires, password_expire_min/max),
// read from the shadow entry, and its creation-only options (skeleton,
// umask, seuser), as Ansible's Linux user does them.

// agingArgs are the user arguments that need the whole shadow line.
var agingArgs = []string{"expires", "password_expire_min", "password_expire_max"}

// userArgsLinuxIgnores are user arguments of other systems (macOS, BSD,
// Solaris) that Ansible's Linux user ignores; so does haplay.
var userArgsLinuxIgnores = []module.Arg{
	{Name: "hidden", Type: module.TypeBool, Doc: "macOS only: ignored on Linux, as by Ansible"},
	{Name: "login_class", Type: module.TypeStr, Doc: "BSD only: ignored on Linux, as by Ansible"},
	{Name: "role", Type: module.TypeStr, Doc: "Solaris/illumos only: ignored on Linux, as by Ansible"},
	{Name: "profile", Type: module.TypeStr, Doc: "Solaris/illumos only: ignored on Linux, as by Ansible"},
	{Name: "authorization", Type: module.TypeStr, Doc: "Solaris/illumos only: ignored on Linux, as by Ansible"},
}

var userAgingArgs = []module.Arg{
	{Name: "expires", Type: module.TypeFloat, Doc: "account expiry as seconds since the epoch (UTC day); a negative value removes the expiry"},
	{Name: "password_expire_min", Type: module.TypeInt, Doc: "minimum days between password changes (chage -m)"},
	{Name: "password_expire_max", Type: module.TypeInt, Doc: "maximum days a password is valid (chage -M)"},
	{Name: "skeleton", Type: module.TypePath, Doc: "skeleton directory for a new home (useradd -k; with create_home)"},
	{Name: "umask", Type: module.TypeStr, Doc: "umask of a new home directory (useradd -K UMASK=)"},
	{Name: "seuser", Type: module.TypeStr, Doc: "SELinux user (useradd/usermod -Z)"},
}

// shadowAging is the aging fields of a shadow line: "" where unset.
type shadowAging struct{ min, max, expire string }

func parseShadowAging(line string) (shadowAging, bool) {
	f := strings.Split(strings.TrimSpace(line), ":")
	if len(f) < 8 {
		return shadowAging{}, false
	}
	return shadowAging{min: f[3], max: f[4], expire: f[7]}, true
}

func needsShadowLine(a module.Args) bool {
	for _, n := range agingArgs {
		if a.Has(n) {
			return true
		}
	}
	return false
}

// agingPlan gives the useradd/usermod flags for expires and the chage
// command for the password's age limits, with the diff lines.
func agingPlan(a module.Args, cur shadowAging, exists bool) (flags []string, chage []string, diff []string) {
	if a.Has("expires") {
		want, date := "", "" // no expiry
		if e := a.Float("expires"); e >= 0 {
			days := int64(e) / 86400
			want = strconv.FormatInt(days, 10)
			date = time.Unix(days*86400, 0).UTC().Format("2006-01-02")
		}
		if !exists || cur.expire != want && !(want == "" && cur.expire == "-1") {
			if exists || date != "" {
				flags = append(flags, "-e", date)
			}
			diff = append(diff, "expires: "+or(date, "never")+"\n")
		}
	}
	for _, x := range []struct{ arg, flag, cur string }{{"password_expire_min", "-m", cur.min}, {"password_expire_max", "-M", cur.max}} {
		if !a.Has(x.arg) {
			continue
		}
		if n := strconv.Itoa(a.Int(x.arg)); !exists || x.cur != n {
			chage = append(chage, x.flag, n)
			diff = append(diff, x.arg+": "+n+"\n")
		}
	}
	if len(chage) > 0 {
		chage = append(append([]string{"chage"}, chage...), a.String("name"))
	}
	return flags, chage, diff
}

// creationFlags are useradd's options that apply only to a new user.
func creationFlags(a module.Args) []string {
	var flags []string
	if a.Has("skeleton") && a.Bool("create_home") {
		flags = append(flags, "-k", a.String("skeleton"))
	}
	if a.Has("umask") {
		flags = append(flags, "-K", "UMASK="+a.String("umask"))
	}
	if a.Has("seuser") {
		flags = append(flags, "-Z", a.String("seuser"))
	}
	return flags
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
