// Command microk8s-sim stands in for MicroK8s (which needs snapd) on lab
// hosts. It answers status, add-node, join, leave, remove-node, enable,
// disable and kubectl get nodes with the outputs and exit codes of
// canonical/microk8s's scripts/wrappers (status.py, add_token.py, join.py,
// leave.py, remove_node.py) and of its cluster agent, and keeps the
// clusters' state in a small HTTP service the test runs on the lab bridge,
// so every lab host sees the same clusters.
//
// The state service's URL is read from /etc/microk8s-sim.url (the tests
// write it on each lab host).
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haplay/haplay/internal/simstate"
)

var stateURL = "http://127.0.0.1:8999"

func init() {
	if b, err := os.ReadFile("/etc/microk8s-sim.url"); err == nil {
		stateURL = strings.TrimSpace(string(b))
	}
}

const version = "v1.29.4"

type member struct {
	Name   string `json:"name"`
	IP     string `json:"ip"`
	Worker bool   `json:"worker"`
	Ready  bool   `json:"ready"`
	Dqlite bool   `json:"dqlite"` // registered with dqlite (control plane)
	Since  int64  `json:"since"`
}

type cluster struct {
	Members []*member         `json:"members"`
	Addons  map[string]string `json:"addons"` // enabled addon -> its arguments
	Check   string            `json:"check"`  // the cluster certificate's fingerprint prefix
	Tokens  map[string]int64  `json:"tokens"` // token -> expiry (unix), -1 once
}

type state struct {
	Clusters map[string]*cluster `json:"clusters"`
	Node     map[string]string   `json:"node"` // hostname -> cluster id
	Seq      int                 `json:"seq"`
}

type addon struct{ name, desc string }

// The core repository's addons, as `microk8s status` lists them.
var available = []addon{
	{"cert-manager", "Cloud native certificate management"},
	{"dashboard", "The Kubernetes dashboard"},
	{"dns", "CoreDNS"},
	{"ha-cluster", "Configure high availability on the current node"},
	{"helm", "Helm - the package manager for Kubernetes"},
	{"helm3", "Helm 3 - the package manager for Kubernetes"},
	{"hostpath-storage", "Storage class; allocates storage from host directory"},
	{"ingress", "Ingress controller for external access"},
	{"metallb", "Loadbalancer for your Kubernetes cluster"},
	{"metrics-server", "K8s Metrics Server for API access to service metrics"},
	{"observability", "A lightweight observability stack for logs, traces and metrics"},
	{"rbac", "Role-Based Access Control for authorisation"},
	{"registry", "Private image registry exposed on localhost:32000"},
}

var defaultAddons = map[string]string{"ha-cluster": "", "helm": "", "helm3": ""}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func self() (string, string) {
	h, _ := os.Hostname()
	ip := "127.0.0.1"
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			ip = n.IP.String()
			break
		}
	}
	return h, ip
}

// load and save talk to the state service: GET returns {version, state};
// PUT ?version=N replaces it unless someone else wrote first (409).
func load() (*state, int, error) {
	resp, err := http.Get(stateURL + "/state")
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var env struct {
		Version int             `json:"version"`
		State   json.RawMessage `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return nil, 0, err
	}
	s := &state{}
	if len(env.State) > 0 && string(env.State) != "null" {
		if err := json.Unmarshal(env.State, s); err != nil {
			return nil, 0, err
		}
	}
	if s.Clusters == nil {
		s.Clusters = map[string]*cluster{}
	}
	if s.Node == nil {
		s.Node = map[string]string{}
	}
	return s, env.Version, nil
}

func save(s *state, v int) (bool, error) {
	b, _ := json.Marshal(s)
	req, _ := http.NewRequest(http.MethodPut, stateURL+"/state?version="+strconv.Itoa(v), bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK, nil
}

// transact runs op on the current state and stores the result, retrying
// when another host wrote in between. op prints into the buffer it gets,
// so a retried attempt prints nothing twice.
func transact(op func(s *state, out *strings.Builder) int) int {
	for attempt := 0; attempt < 50; attempt++ {
		s, v, err := load()
		if err != nil {
			fmt.Fprintln(os.Stderr, "microk8s-sim: state service:", err)
			return 1
		}
		var out strings.Builder
		ensureSelf(s)
		code := op(s, &out)
		ok, err := save(s, v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "microk8s-sim: state service:", err)
			return 1
		}
		if ok {
			fmt.Print(out.String())
			return code
		}
		time.Sleep(time.Duration(10+attempt*5) * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "microk8s-sim: state service busy")
	return 1
}

// ensureSelf makes a host seen for the first time a one-node cluster, as
// a fresh `snap install microk8s` is.
func ensureSelf(s *state) {
	name, ip := self()
	if _, ok := s.Node[name]; ok {
		return
	}
	s.Seq++
	id := fmt.Sprintf("c%d", s.Seq)
	s.Clusters[id] = &cluster{
		Members: []*member{{Name: name, IP: ip, Ready: true, Dqlite: true, Since: time.Now().Unix()}},
		Addons:  map[string]string{}, Check: randHex(6), Tokens: map[string]int64{},
	}
	for k, v := range defaultAddons {
		s.Clusters[id].Addons[k] = v
	}
	s.Node[name] = id
}

func mine(s *state) (*cluster, *member) {
	name, _ := self()
	c := s.Clusters[s.Node[name]]
	for _, m := range c.Members {
		if m.Name == name {
			return c, m
		}
	}
	return c, nil
}

func clustered(s *state) bool { _, m := mine(s); return m != nil && m.Worker }

func workerMsg(cmd string) string {
	return "This MicroK8s deployment is acting as a node in a cluster. Please use the microk8s " + cmd + " on the master.\n"
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Println("Available subcommands are:\n\tadd-node\n\tdisable\n\tenable\n\tjoin\n\tkubectl\n\tleave\n\tremove-node\n\tstatus")
		os.Exit(0)
	}
	var code int
	switch args[0] {
	case "serve-state":
		// Not a MicroK8s command: the lab demo runs the shared cluster
		// state on the lab bridge with it (serve-state ADDR URLFILE).
		serveState(args[1:])
		return
	case "status":
		code = transact(func(s *state, o *strings.Builder) int { return status(s, o, args[1:]) })
	case "add-node":
		code = transact(func(s *state, o *strings.Builder) int { return addNode(s, o, args[1:]) })
	case "join":
		code = transact(func(s *state, o *strings.Builder) int { return join(s, o, args[1:]) })
	case "leave":
		code = transact(func(s *state, o *strings.Builder) int { return leave(s, o) })
	case "remove-node":
		code = transact(func(s *state, o *strings.Builder) int { return removeNode(s, o, args[1:]) })
	case "enable", "disable":
		code = transact(func(s *state, o *strings.Builder) int { return xable(s, o, args[0], args[1:]) })
	case "kubectl":
		code = transact(func(s *state, o *strings.Builder) int { return kubectl(s, o, args[1:]) })
	default:
		fmt.Fprintf(os.Stderr, "'%s' is not a valid MicroK8s subcommand.\n", args[0])
		code = 1
	}
	os.Exit(code)
}

// roles gives dqlite roles as dqlite assigns them: three voters, three
// standbys, the rest spares.
func roles(c *cluster) []string {
	var out []string
	n := 0
	for _, m := range c.Members {
		if !m.Dqlite {
			continue
		}
		r := "spare"
		switch {
		case n < 3:
			r = "voter"
		case n < 6:
			r = "standby"
		}
		n++
		out = append(out, m.IP+":19001 "+r)
	}
	return out
}

func pyBool(b bool) string { return map[bool]string{true: "True", false: "False"}[b] }

func status(s *state, o *strings.Builder, args []string) int {
	if clustered(s) {
		o.WriteString("This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n")
		return 0
	}
	format, addonQ := "pretty", "all"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--format" && i+1 < len(args):
			format = args[i+1]
			i++
		case strings.HasPrefix(a, "--format="):
			format = strings.TrimPrefix(a, "--format=")
		case a == "--yaml":
			format = "short-yaml"
		case a == "-w" || a == "--wait-ready":
		case (a == "-t" || a == "--timeout") && i+1 < len(args):
			i++
		case (a == "-a" || a == "--addon") && i+1 < len(args):
			addonQ = args[i+1]
			i++
		default:
			fmt.Fprintf(os.Stderr, "usage: microk8s status [-h] [--format {pretty,yaml,short}] [-w] [-t TIMEOUT] [-a ADDON] [--yaml]\nmicrok8s status: error: unrecognized arguments: %s\n", a)
			return 2
		}
	}
	if format != "pretty" && format != "yaml" && format != "short" && format != "short-yaml" {
		fmt.Fprintf(os.Stderr, "microk8s status: error: argument --format: invalid choice: '%s' (choose from 'pretty', 'yaml', 'short')\n", format)
		return 2
	}
	c, _ := mine(s)
	var en, dis []addon
	for _, a := range available {
		if _, ok := c.Addons[a.name]; ok {
			en = append(en, a)
		} else {
			dis = append(dis, a)
		}
	}
	if addonQ != "all" {
		if _, ok := c.Addons[addonQ]; ok {
			o.WriteString("enabled\n")
		} else {
			o.WriteString("disabled\n")
		}
		return 0
	}
	rs := roles(c)
	switch format {
	case "yaml":
		o.WriteString("microk8s:\n  running: True\nhigh-availability:\n  enabled: True\n  nodes:\n")
		for _, r := range rs {
			f := strings.Fields(r)
			fmt.Fprintf(o, "    - address: %s\n      role: %s\n", f[0], f[1])
		}
		o.WriteString("addons:\n")
		for _, a := range en {
			fmt.Fprintf(o, "  - name: %s\n    repository: core\n    description: %s\n    version: %s\n    status: enabled\n", a.name, a.desc, strings.TrimPrefix(version, "v"))
		}
		for _, a := range dis {
			fmt.Fprintf(o, "  - name: %s\n    repository: core\n    description: %s\n    version: %s\n    status: disabled\n", a.name, a.desc, strings.TrimPrefix(version, "v"))
		}
	case "short", "short-yaml":
		if format == "short-yaml" {
			o.WriteString("microk8s:\n  running: True\naddons:\n")
			for _, a := range en {
				fmt.Fprintf(o, "  core/%s: enabled\n", a.name)
			}
			for _, a := range dis {
				fmt.Fprintf(o, "  core/%s: disabled\n", a.name)
			}
			break
		}
		o.WriteString("microk8s is running\naddons:\n")
		for _, a := range en {
			fmt.Fprintf(o, "core/%s: enabled\n", a.name)
		}
		for _, a := range dis {
			fmt.Fprintf(o, "core/%s: disabled\n", a.name)
		}
	default:
		o.WriteString("microk8s is running\n")
		var voters, standby []string
		for _, r := range rs {
			f := strings.Fields(r)
			switch f[1] {
			case "voter":
				voters = append(voters, f[0])
			case "standby":
				standby = append(standby, f[0])
			}
		}
		fmt.Fprintf(o, "high-availability: %s\n", map[bool]string{true: "yes", false: "no"}[len(voters) > 2])
		join := func(l []string) string {
			if len(l) == 0 {
				return "none"
			}
			return strings.Join(l, " ")
		}
		fmt.Fprintf(o, "  datastore master nodes: %s\n  datastore standby nodes: %s\naddons:\n", join(voters), join(standby))
		if len(en) > 0 {
			o.WriteString("  enabled:\n")
			for _, a := range en {
				fmt.Fprintf(o, "%3s %-20s # (%s) %s\n", "", a.name, "core", a.desc)
			}
		}
		if len(dis) > 0 {
			o.WriteString("  disabled:\n")
			for _, a := range dis {
				fmt.Fprintf(o, "%3s %-20s # (%s) %s\n", "", a.name, "core", a.desc)
			}
		}
	}
	return 0
}

func addNode(s *state, o *strings.Builder, args []string) int {
	if clustered(s) {
		o.WriteString(workerMsg("add-node"))
		return 1
	}
	ttl, format, token := int64(-1), "pretty", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, bool) {
			if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
				return v, true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		switch {
		case a == "-l" || strings.HasPrefix(a, "--token-ttl"):
			v, ok := val()
			n, err := strconv.ParseInt(v, 10, 64)
			if !ok || err != nil {
				fmt.Fprintf(os.Stderr, "usage: microk8s add-node [-h] [--token-ttl TOKEN_TTL] [--token TOKEN] [--format {json,yaml,token-check,pretty,token,short}]\nmicrok8s add-node: error: argument --token-ttl/-l: invalid int value: '%s'\n", v)
				return 2
			}
			ttl = n
		case a == "-t" || strings.HasPrefix(a, "--token="), a == "--token":
			token, _ = val()
		case strings.HasPrefix(a, "--format"):
			format, _ = val()
		default:
			fmt.Fprintf(os.Stderr, "microk8s add-node: error: unrecognized arguments: %s\n", a)
			return 2
		}
	}
	switch format {
	case "pretty", "short", "token", "token-check", "json", "yaml":
	default:
		fmt.Fprintf(os.Stderr, "microk8s add-node: error: argument --format: invalid choice: '%s' (choose from 'json', 'yaml', 'token-check', 'pretty', 'token', 'short')\n", format)
		return 2
	}
	if token == "" {
		token = randHex(16)
	}
	if len(token) < 32 {
		o.WriteString("Invalid token size.  It must be 32 characters long.\n")
		return 1
	}
	c, me := mine(s)
	exp := int64(-1)
	if ttl != -1 {
		exp = time.Now().Unix() + ttl
	}
	c.Tokens[token] = exp
	check := c.Check
	url := fmt.Sprintf("%s:25000/%s/%s", me.IP, token, check)
	switch format {
	case "pretty":
		fmt.Fprintf(o, "From the node you wish to join to this cluster, run the following:\nmicrok8s join %s\n\n", url)
		fmt.Fprintf(o, "Use the '--worker' flag to join a node as a worker not running the control plane, eg:\nmicrok8s join %s --worker\n\n", url)
		fmt.Fprintf(o, "If the node you are adding is not reachable through the default interface you can use one of the following:\nmicrok8s join %s\n", url)
	case "short":
		fmt.Fprintf(o, "microk8s join %s\n", url)
	case "token-check":
		fmt.Fprintf(o, "%s/%s\n", token, check)
	case "json":
		b, _ := json.MarshalIndent(map[string]any{"token": token + "/" + check, "urls": []string{url}}, "", "  ")
		o.Write(b)
		o.WriteString("\n")
	case "yaml":
		fmt.Fprintf(o, "token: %s/%s\nurls:\n- %s\n\n", token, check, url)
	default:
		o.WriteString(token + "\n")
	}
	return 0
}

func join(s *state, o *strings.Builder, args []string) int {
	var conn string
	worker := false
	for _, a := range args {
		switch a {
		case "--worker":
			worker = true
		case "--controlplane":
			worker = false
		case "--skip-verify", "--disable-low-memory-guard":
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(os.Stderr, "Error: No such option: %s\n", a)
				return 2
			}
			conn = a
		}
	}
	if conn == "" {
		fmt.Fprintln(os.Stderr, "Usage: microk8s join [OPTIONS] CONNECTION\nTry 'microk8s join -h' for help.\n\nError: Missing argument 'CONNECTION'.")
		return 2
	}
	parts := strings.Split(conn, "/")
	if len(parts) < 2 || len(parts) > 3 || !strings.Contains(parts[0], ":") {
		fmt.Fprintf(o, "Invalid connection: Expected format: <master_IP>:<master_PORT>/<token>\n")
		return 1
	}
	host, port, _ := strings.Cut(parts[0], ":")
	o.WriteString("Contacting cluster at " + host + "\n")
	var target *cluster
	var targetID string
	for id, c := range s.Clusters {
		for _, m := range c.Members {
			if m.IP == host && m.Ready && !m.Worker && port == "25000" {
				target, targetID = c, id
			}
		}
	}
	if target == nil {
		o.WriteString("Connecting to cluster failed with [Errno 111] Connection refused.\n")
		return 5
	}
	if len(parts) == 3 {
		if len(parts[2]) < 12 {
			o.WriteString("Joining cluster failed. Fingerprint too short.\n")
			return 4
		}
		if !strings.HasPrefix(target.Check, parts[2]) && !strings.HasPrefix(parts[2], target.Check) {
			o.WriteString("Joining cluster failed. Fingerprint does not match the one of the cluster.\n")
			return 4
		}
	}
	// The cluster agent consumes the token before anything else: a
	// failed join still uses up a one-time token.
	exp, ok := target.Tokens[parts[1]]
	if !ok || (exp != -1 && exp < time.Now().Unix()) {
		o.WriteString("Connection failed. Invalid token (500).\n")
		return 6
	}
	if exp == -1 {
		delete(target.Tokens, parts[1])
	}
	name, ip := self()
	if !worker {
		for _, m := range target.Members {
			if m.IP == ip && m.Dqlite {
				fmt.Fprintf(o, "Connection failed. The joining node (%s) is already known to dqlite (504).\n", ip)
				return 6
			}
		}
	}
	// Leave the old (one-node) cluster and join the new one.
	oldID := s.Node[name]
	if old := s.Clusters[oldID]; old != nil && oldID != targetID {
		var keep []*member
		for _, m := range old.Members {
			if m.Name != name {
				keep = append(keep, m)
			}
		}
		old.Members = keep
		if len(keep) == 0 {
			delete(s.Clusters, oldID)
		}
	}
	var keep []*member
	for _, m := range target.Members {
		if m.Name != name {
			keep = append(keep, m)
		}
	}
	target.Members = append(keep, &member{Name: name, IP: ip, Worker: worker, Ready: true, Dqlite: !worker, Since: time.Now().Unix()})
	s.Node[name] = targetID
	if worker {
		o.WriteString("\nThe node has joined the cluster and will appear in the nodes list in a few seconds.\n\n" +
			"This worker node gets automatically configured with the API server endpoints.\n" +
			"If the API servers are behind a loadbalancer please set the '--refresh-interval' to '0s' in:\n" +
			"    /var/snap/microk8s/current/args/apiserver-proxy\n" +
			"and replace the API server endpoints with the one provided by the loadbalancer in:\n" +
			"    /var/snap/microk8s/current/args/traefik/provider.yaml\n\n")
	} else {
		o.WriteString("Waiting for this node to finish joining the cluster. .. .. .. .  \n")
	}
	o.WriteString("Successfully joined the cluster.\n")
	return 0
}

func leave(s *state, o *strings.Builder) int {
	c, me := mine(s)
	if len(c.Members) == 1 {
		o.WriteString("This MicroK8s deployment is not acting as a node in a cluster.\n")
		return 1
	}
	if me.Dqlite {
		n := 0
		for _, m := range c.Members {
			if m.Dqlite && m.Ready {
				n++
			}
		}
		if n == 1 {
			o.WriteString("This node currently holds the only copy of the Kubernetes database so it cannot leave the cluster.\n" +
				"To remove this node you can either first remove all other nodes with 'microk8s remove-node' or\n" +
				"form a highly available cluster by adding at least three nodes.\n")
			return 3
		}
	}
	// The departing node stays in Kubernetes as NotReady until
	// remove-node; dqlite forgets it now.
	me.Ready, me.Dqlite = false, false
	name, _ := self()
	delete(s.Node, name)
	ensureSelf(s)
	if me.Worker {
		o.WriteString("Configuring services.\n")
	} else {
		o.WriteString("Generating new cluster certificates.\nWaiting for node to start. \n")
	}
	return 0
}

func removeNode(s *state, o *strings.Builder, args []string) int {
	if clustered(s) {
		o.WriteString("This MicroK8s deployment is acting as a node in a cluster. Please use microk8s leave.\n")
		return 1
	}
	var node string
	force := false
	for _, a := range args {
		if a == "--force" {
			force = true
		} else {
			node = a
		}
	}
	if node == "" {
		fmt.Fprintln(os.Stderr, "Usage: microk8s remove-node [OPTIONS] NODE\nTry 'microk8s remove-node -h' for help.\n\nError: Missing argument 'NODE'.")
		return 2
	}
	c, _ := mine(s)
	idx := -1
	for i, m := range c.Members {
		if m.Name == node {
			idx = i
		}
	}
	if idx < 0 {
		fmt.Fprintf(o, "Node %s does not exist in Kubernetes.\n", node)
		if force {
			fmt.Fprintf(o, "Attempting to remove %s from dqlite.\n", node)
		}
		return 1
	}
	m := c.Members[idx]
	if m.Dqlite && !force {
		fmt.Fprintf(o, "Removal failed. Node %s is registered with dqlite. Please, run first 'microk8s leave' on the departing node. \n"+
			"If the node is not available anymore and will never attempt to join the cluster in the future use the '--force' flag \n"+
			"to unregister the node while removing it.\n", node)
		return 1
	}
	c.Members = append(c.Members[:idx], c.Members[idx+1:]...)
	return 0
}

func xable(s *state, o *strings.Builder, action string, args []string) int {
	if clustered(s) {
		o.WriteString(workerMsg(action))
		return 1
	}
	if len(args) == 0 {
		fmt.Fprintf(os.Stderr, "Usage: microk8s %s [OPTIONS] ADDONS...\n\nError: Missing argument 'ADDONS...'.\n", action)
		return 2
	}
	c, _ := mine(s)
	var names []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		names = append(names, a)
	}
	if len(names) > 1 {
		fmt.Fprintf(o, "WARNING: Do not enable or disable multiple addons in one command.\n"+
			"         This form of chained operations on addons will be DEPRECATED in the future.\n"+
			"         Please, %s one addon at a time: 'microk8s %s <addon>'\n", action, action)
	}
	for _, a := range names {
		name, arg, _ := strings.Cut(a, ":")
		name = strings.TrimPrefix(name, "core/")
		known := false
		for _, av := range available {
			known = known || av.name == name
		}
		if !known {
			fmt.Fprintf(o, "Addon %s was not found in any repository\n", name)
			return 1
		}
		_, on := c.Addons[name]
		if (action == "enable") == on {
			fmt.Fprintf(o, "Addon core/%s is already %sd\n", name, action)
			continue
		}
		fmt.Fprintf(o, "Infer repository core for addon %s\n", name)
		if action == "enable" {
			if name == "metallb" && arg == "" {
				o.WriteString("Enabling MetalLB\nEnter each IP address range delimited by comma (e.g. '10.64.140.43-10.64.140.49,192.168.0.105-192.168.0.111'): \nAborted!\n")
				return 1
			}
			fmt.Fprintf(o, "Enabling %s\n%s is enabled\n", name, name)
			c.Addons[name] = arg
		} else {
			fmt.Fprintf(o, "Disabling %s\n%s is disabled\n", name, name)
			delete(c.Addons, name)
		}
	}
	return 0
}

func age(since int64) string {
	d := time.Since(time.Unix(since, 0))
	switch {
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 3*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func nodeJSON(m *member) map[string]any {
	role := map[bool]string{true: "microk8s-worker", false: "microk8s-controlplane"}[m.Worker]
	ready := map[bool]string{true: "True", false: "Unknown"}[m.Ready]
	return map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{
			"name": m.Name,
			"labels": map[string]any{
				"kubernetes.io/hostname": m.Name, "kubernetes.io/os": "linux", "microk8s.io/cluster": "true",
				"node.kubernetes.io/" + role: role,
			},
			"creationTimestamp": time.Unix(m.Since, 0).UTC().Format(time.RFC3339),
		},
		"status": map[string]any{
			"addresses":  []any{map[string]any{"type": "InternalIP", "address": m.IP}, map[string]any{"type": "Hostname", "address": m.Name}},
			"conditions": []any{map[string]any{"type": "Ready", "status": ready}},
			"nodeInfo":   map[string]any{"kubeletVersion": version},
		},
	}
}

func kubectl(s *state, o *strings.Builder, args []string) int {
	if clustered(s) {
		o.WriteString(workerMsg("kubectl"))
		return 0
	}
	var pos []string
	out := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" && i+1 < len(args):
			out = args[i+1]
			i++
		case strings.HasPrefix(a, "-o"):
			out = strings.TrimPrefix(strings.TrimPrefix(a, "-o"), "=")
		case strings.HasPrefix(a, "--output="):
			out = strings.TrimPrefix(a, "--output=")
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) < 2 || pos[0] != "get" || (pos[1] != "nodes" && pos[1] != "node" && pos[1] != "no") {
		fmt.Fprintf(os.Stderr, "microk8s-sim: only 'kubectl get nodes' is simulated, not %q\n", strings.Join(args, " "))
		return 1
	}
	c, _ := mine(s)
	members := append([]*member(nil), c.Members...)
	sort.Slice(members, func(i, j int) bool { return members[i].Name < members[j].Name })
	if len(pos) > 2 {
		var sel []*member
		for _, m := range members {
			if m.Name == pos[2] {
				sel = append(sel, m)
			}
		}
		if len(sel) == 0 {
			fmt.Fprintf(os.Stderr, "Error from server (NotFound): nodes \"%s\" not found\n", pos[2])
			return 1
		}
		if out == "json" {
			b, _ := json.MarshalIndent(nodeJSON(sel[0]), "", "    ")
			o.Write(b)
			o.WriteString("\n")
			return 0
		}
		members = sel
	}
	switch out {
	case "json":
		var items []any
		for _, m := range members {
			items = append(items, nodeJSON(m))
		}
		b, _ := json.MarshalIndent(map[string]any{"apiVersion": "v1", "items": items, "kind": "List", "metadata": map[string]any{"resourceVersion": ""}}, "", "    ")
		o.Write(b)
		o.WriteString("\n")
	case "name":
		for _, m := range members {
			o.WriteString("node/" + m.Name + "\n")
		}
	case "", "wide":
		// kubectl's printer: a tabwriter padding columns by three spaces.
		tw := tabwriter.NewWriter(o, 6, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATUS\tROLES\tAGE\tVERSION")
		for _, m := range members {
			st := map[bool]string{true: "Ready", false: "NotReady"}[m.Ready]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, st, "<none>", age(m.Since), version)
		}
		_ = tw.Flush()
	default:
		fmt.Fprintf(os.Stderr, "error: unable to match a printer suitable for the output format %q\n", out)
		return 1
	}
	return 0
}

// serveState serves the simulators' shared state on ADDR (port 0 picks
// one) and writes its URL to URLFILE, until killed.
func serveState(args []string) {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: microk8s-sim serve-state ADDR URLFILE")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(args[1], []byte("http://"+ln.Addr().String()+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, http.Serve(ln, &simstate.Server{}))
	os.Exit(1)
}
