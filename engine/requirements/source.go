package requirements

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Environment variables for private repositories.
const (
	EnvToken         = "HAPLAY_GIT_TOKEN" // HTTPS basic-auth password (falls back to GITHUB_TOKEN)
	EnvGitHubToken   = "GITHUB_TOKEN"
	EnvTokenUser     = "HAPLAY_GIT_USER"               // user name sent with the token (default x-access-token)
	EnvSSHKey        = "HAPLAY_GIT_SSH_KEY"            // private key file, or the PEM text itself
	EnvSSHPassphrase = "HAPLAY_GIT_SSH_KEY_PASSPHRASE" // passphrase of that key
)

// source is where one entry's commits come from: a local repository read
// in place, or a remote reached through go-git's own transports. Neither
// runs a git binary (go-git's file:// transport would, so local paths and
// file:// URLs are opened directly instead).
type source struct {
	display string // the source as printed and locked: no credentials
	local   string // local repository path, or ""
	url     string // remote URL without userinfo
	auth    transport.AuthMethod
	red     *redactor
	repo    *git.Repository // opened or fetched lazily
}

// openSource prepares access to src; relative local paths are taken
// relative to baseDir (the directory of requirements.yml).
func openSource(src, baseDir string, getenv func(string) string, red *redactor) (*source, error) {
	s := &source{red: red}
	switch {
	case strings.HasPrefix(src, "file://"):
		u, err := url.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", red.url(src), err)
		}
		s.local = u.Path
	case isLocalPath(src):
		s.local = src
		if strings.HasPrefix(src, "~/") {
			s.local = filepath.Join(getenv("HOME"), src[2:])
		} else if !filepath.IsAbs(src) {
			s.local = filepath.Join(baseDir, src)
		}
	}
	if s.local != "" {
		s.display = src
		return s, nil
	}
	if isSCPLike(src) {
		user := "git"
		if i := strings.Index(src, "@"); i > 0 {
			user = src[:i]
		}
		s.url, s.display = src, src
		auth, err := sshAuth(user, getenv)
		if err != nil {
			return nil, err
		}
		s.auth = auth
		return s, nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("source %s: not a URL: %v", red.url(src), red.str(err.Error()))
	}
	user, pass := "", ""
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		red.add(pass)
		if pass == "" && (u.Scheme == "http" || u.Scheme == "https") {
			red.add(user) // https://TOKEN@host/ carries the token as the user
		}
	}
	u.User = nil
	s.url = u.String()
	s.display = s.url
	switch u.Scheme {
	case "http", "https":
		token := getenv(EnvToken)
		if token == "" {
			token = getenv(EnvGitHubToken)
		}
		red.add(token)
		switch {
		case pass != "":
			s.auth = &githttp.BasicAuth{Username: user, Password: pass}
		case user != "" && token == "":
			s.auth = &githttp.BasicAuth{Username: user}
		case token != "":
			if user == "" {
				user = getenv(EnvTokenUser)
			}
			if user == "" {
				user = "x-access-token"
			}
			s.auth = &githttp.BasicAuth{Username: user, Password: token}
		}
	case "ssh", "git+ssh":
		if user == "" {
			user = "git"
		}
		auth, err := sshAuth(user, getenv)
		if err != nil {
			return nil, err
		}
		s.auth = auth
		if u.Scheme == "git+ssh" {
			u.Scheme = "ssh"
			s.url = u.String()
		}
		// ssh://user@host keeps its user: it is not a secret, and go-git
		// needs it in the URL as well as in the auth.
		if user != "" {
			u.User = url.User(user)
			s.url = u.String()
		}
	}
	return s, nil
}

// sshAuth picks HAPLAY_GIT_SSH_KEY when set, else the ssh-agent, else
// nothing (go-git then tries its defaults).
func sshAuth(user string, getenv func(string) string) (transport.AuthMethod, error) {
	key := getenv(EnvSSHKey)
	pass := getenv(EnvSSHPassphrase)
	switch {
	case strings.Contains(key, "-----BEGIN"):
		a, err := gitssh.NewPublicKeys(user, []byte(key), pass)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvSSHKey, err)
		}
		return a, nil
	case key != "":
		a, err := gitssh.NewPublicKeysFromFile(user, key, pass)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", EnvSSHKey, key, err)
		}
		return a, nil
	case getenv("SSH_AUTH_SOCK") != "":
		a, err := gitssh.NewSSHAgentAuth(user)
		if err != nil {
			return nil, fmt.Errorf("ssh-agent: %w", err)
		}
		return a, nil
	}
	return nil, nil
}

// refs lists the source's references, ls-remote style: remote.List for
// remotes, the reference store for local repositories. Annotated tags
// come with their peeled commit as NAME^{} when known.
func (s *source) refs(ctx context.Context) ([]*plumbing.Reference, error) {
	if s.local != "" {
		repo, err := s.open(ctx)
		if err != nil {
			return nil, err
		}
		return localRefs(repo)
	}
	rem := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{s.url}})
	refs, err := rem.ListContext(ctx, &git.ListOptions{Auth: s.auth, PeelingOption: git.AppendPeeled})
	if err != nil {
		return nil, fmt.Errorf("list references of %s: %s", s.display, s.red.str(err.Error()))
	}
	return refs, nil
}

func localRefs(repo *git.Repository) ([]*plumbing.Reference, error) {
	var out []*plumbing.Reference
	iter, err := repo.Storer.IterReferences()
	if err != nil {
		return nil, err
	}
	err = iter.ForEach(func(r *plumbing.Reference) error {
		out = append(out, r)
		// Peel every tag, as a server advertising peeled refs would; a
		// lightweight tag peels to itself.
		if r.Name().IsTag() && r.Type() == plumbing.HashReference {
			if c, err := commitOf(repo, r.Hash()); err == nil {
				out = append(out, plumbing.NewHashReference(plumbing.ReferenceName(r.Name().String()+"^{}"), c.Hash))
			}
		}
		return nil
	})
	if head, err := repo.Storer.Reference(plumbing.HEAD); err == nil {
		out = append(out, head)
	}
	return out, err
}

// open returns a repository holding the source's objects: the local
// repository itself, or an in-memory copy of every branch and tag of the
// remote (a locked commit may no longer be the tip of its ref).
func (s *source) open(ctx context.Context) (*git.Repository, error) {
	if s.repo != nil {
		return s.repo, nil
	}
	if s.local != "" {
		repo, err := git.PlainOpenWithOptions(s.local, &git.PlainOpenOptions{DetectDotGit: false})
		if err != nil {
			return nil, fmt.Errorf("open git repository %s: %w", s.display, err)
		}
		s.repo = repo
		return repo, nil
	}
	repo, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		return nil, err
	}
	rem, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{s.url}})
	if err != nil {
		return nil, err
	}
	err = rem.FetchContext(ctx, &git.FetchOptions{
		Auth: s.auth,
		RefSpecs: []config.RefSpec{
			"+refs/heads/*:refs/remotes/origin/*",
			"+refs/tags/*:refs/tags/*",
		},
		Tags: git.NoTags,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, fmt.Errorf("fetch %s: %s", s.display, s.red.str(err.Error()))
	}
	s.repo = repo
	return repo, nil
}

// resolved is what a version names at the source right now.
type resolved struct {
	Kind   string        // tag, branch, commit or head
	Ref    string        // full reference name, "" for a commit
	Object plumbing.Hash // what the ref points at (a tag object for annotated tags)
	Commit plumbing.Hash // the commit, zero until peeled
}

var hexRe = regexp.MustCompile(`^[0-9a-fA-F]{4,40}$`)

// resolveRef finds version among refs: a tag first, then a branch, then
// a full reference name, then a commit hash. "" means HEAD.
func resolveRef(refs []*plumbing.Reference, version string) (resolved, bool) {
	byName := map[string]*plumbing.Reference{}
	for _, r := range refs {
		byName[r.Name().String()] = r
	}
	lookup := func(name, kind string) (resolved, bool) {
		r, ok := byName[name]
		if !ok {
			return resolved{}, false
		}
		for i := 0; r.Type() == plumbing.SymbolicReference && i < 5; i++ {
			t, ok := byName[r.Target().String()]
			if !ok {
				return resolved{}, false
			}
			if kind == "head" && t.Name().IsBranch() {
				kind, name = "branch", t.Name().String()
			}
			r = t
		}
		res := resolved{Kind: kind, Ref: name, Object: r.Hash(), Commit: r.Hash()}
		if p, ok := byName[name+"^{}"]; ok {
			res.Commit = p.Hash()
		} else if kind == "tag" {
			res.Commit = plumbing.ZeroHash // maybe annotated: peel once objects are here
		}
		return res, true
	}
	if version == "" || version == "HEAD" {
		return lookup("HEAD", "head")
	}
	if r, ok := lookup("refs/tags/"+version, "tag"); ok {
		return r, true
	}
	if r, ok := lookup("refs/heads/"+version, "branch"); ok {
		return r, true
	}
	if strings.HasPrefix(version, "refs/") {
		kind := "branch"
		if strings.HasPrefix(version, "refs/tags/") {
			kind = "tag"
		}
		return lookup(version, kind)
	}
	if hexRe.MatchString(version) {
		res := resolved{Kind: "commit"}
		if len(version) == 40 {
			res.Commit = plumbing.NewHash(version)
			res.Object = res.Commit
		}
		return res, true
	}
	return resolved{}, false
}

// commit finds the commit for a resolution in the fetched objects,
// peeling annotated tags and expanding short hashes.
func (s *source) commit(ctx context.Context, res resolved, version string) (*object.Commit, error) {
	repo, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	h := res.Commit
	if h.IsZero() && res.Kind == "commit" {
		p, err := repo.ResolveRevision(plumbing.Revision(version))
		if err != nil {
			return nil, fmt.Errorf("version %s: no such commit in %s", version, s.display)
		}
		h = *p
	}
	if h.IsZero() {
		h = res.Object
	}
	return commitOf(repo, h)
}

// commitOf returns the commit h names, peeling tag objects.
func commitOf(repo *git.Repository, h plumbing.Hash) (*object.Commit, error) {
	for i := 0; i < 10; i++ {
		obj, err := repo.Object(plumbing.AnyObject, h)
		if err != nil {
			return nil, fmt.Errorf("object %s: %w", h, err)
		}
		switch o := obj.(type) {
		case *object.Commit:
			return o, nil
		case *object.Tag:
			h = o.Target
		default:
			return nil, fmt.Errorf("%s is a %s, not a commit", h, obj.Type())
		}
	}
	return nil, fmt.Errorf("%s: tag chain too long", h)
}

// redactor removes secrets (tokens, URL passwords) from anything printed
// or written.
type redactor struct{ secrets []string }

func (r *redactor) add(s string) {
	if len(s) >= 4 { // shorter values would scrub ordinary words
		r.secrets = append(r.secrets, s)
	}
}

func (r *redactor) str(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// url strips userinfo from scheme URLs; scp-like git@host:path keeps its
// user name, which is not a secret.
func (r *redactor) url(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.User != nil {
		u.User = nil
		s = u.String()
	}
	return r.str(s)
}

// RedactURL strips credentials from a URL for display.
func RedactURL(s string) string { return (&redactor{}).url(s) }

func getenvOr(f func(string) string) func(string) string {
	if f != nil {
		return f
	}
	return os.Getenv
}
