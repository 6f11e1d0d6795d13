package connection

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestParseHostKeyPolicy(t *testing.T) {
	for in, want := range map[string]HostKeyPolicy{"": HostKeyStrict, "strict": HostKeyStrict, "yes": HostKeyStrict,
		"accept-new": HostKeyAcceptNew, "off": HostKeyOff, "no": HostKeyOff} {
		got, err := ParseHostKeyPolicy(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseHostKeyPolicy("maybe"); err == nil {
		t.Error("maybe accepted")
	}
}

func TestHostKeysLab(t *testing.T) {
	s := startSSHD(t)
	port := strconv.Itoa(s.port)
	withChecker := func(hk *HostKeyChecker) func(*Options) {
		return func(o *Options) { o.HostKeys = hk }
	}
	ctx := context.Background()
	echo := Cmd{Argv: []string{"true"}}

	t.Run("unknown host refused", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty")
		os.WriteFile(empty, nil, 0o600)
		tg := s.target(t, withChecker(checker(t, HostKeyStrict, empty, empty)))
		_, err := tg.Run(ctx, echo)
		assertUnreachable(t, err, "unknown", ssh.FingerprintSHA256(s.hostKey),
			"ssh-keyscan -p "+port+" -t ed25519 127.0.0.1 >> ~/.ssh/known_hosts")
	})
	t.Run("changed key refused", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		keygen(t, other)
		b, _ := os.ReadFile(other + ".pub")
		otherKey, _, _, _, err := ssh.ParseAuthorizedKey(b)
		if err != nil {
			t.Fatal(err)
		}
		tampered := filepath.Join(t.TempDir(), "known_hosts")
		lines := "# comment\n" + knownhosts.Line([]string{"[127.0.0.1]:" + port}, otherKey) + "\n"
		os.WriteFile(tampered, []byte(lines), 0o600)
		tg := s.target(t, withChecker(checker(t, HostKeyStrict, tampered, tampered)))
		_, err = tg.Run(ctx, echo)
		assertUnreachable(t, err, "CHANGED", ssh.FingerprintSHA256(s.hostKey), tampered+":2",
			ssh.FingerprintSHA256(otherKey))
		// accept-new must refuse a mismatch all the same.
		tg = s.target(t, withChecker(checker(t, HostKeyAcceptNew, tampered, tampered)))
		_, err = tg.Run(ctx, echo)
		assertUnreachable(t, err, "CHANGED")
	})
	t.Run("accept-new appends", func(t *testing.T) {
		user := filepath.Join(t.TempDir(), "ssh", "known_hosts")
		tg := s.target(t, withChecker(checker(t, HostKeyAcceptNew, user)))
		run(t, tg, echo)
		b, err := os.ReadFile(user)
		if err != nil || !strings.HasPrefix(string(b), "[127.0.0.1]:"+port+" ssh-ed25519 ") {
			t.Fatalf("known_hosts after accept-new: %q %v", b, err)
		}
		// The next run trusts it strictly.
		tg = s.target(t, withChecker(checker(t, HostKeyStrict, user, user)))
		run(t, tg, echo)
	})
	t.Run("off", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty")
		tg := s.target(t, withChecker(checker(t, HostKeyOff, empty)))
		run(t, tg, echo)
	})
}
