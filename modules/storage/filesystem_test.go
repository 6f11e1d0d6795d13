package storage

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestPlanFilesystem(t *testing.T) {
	args := func(kv ...any) module.Args {
		a := module.Args{"dev": "/d", "state": "present", "force": false, "resizefs": false}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i].(string)] = kv[i+1]
		}
		return a
	}
	ext4 := fsState{Fs: "ext4", DevSize: 2048, FsSize: 1024}
	for _, tc := range []struct {
		name string
		a    module.Args
		st   fsState
		cmd  string
		msg  string
		fail string
	}{
		{"new", args("fstype", "ext4", "opts", "-L x  -m 0"), fsState{}, "mkfs.ext4 -F -L x -m 0 /d", "", ""},
		{"there", args("fstype", "ext4"), ext4, "", "", ""},
		{"ext4dev is ext4", args("fstype", "ext4dev"), ext4, "", "", ""},
		{"other type", args("fstype", "xfs"), ext4, "", "", "'/d' is already used as ext4, use force=true to overwrite"},
		{"forced", args("fstype", "xfs", "force", true), ext4, "mkfs.xfs -f /d", "", ""},
		{"lvm", args("fstype", "lvm"), fsState{}, "pvcreate -f /d", "", ""},
		{"grow", args("fstype", "ext4", "resizefs", true), ext4, "resize2fs /d", "resizing filesystem Ext4 on device /d", ""},
		{"whole", args("fstype", "ext4", "resizefs", true), fsState{Fs: "ext4", DevSize: 1024, FsSize: 1024}, "", "Ext4 filesystem is using the whole device /d", ""},
		{"xfs unmounted", args("fstype", "xfs", "resizefs", true), fsState{Fs: "xfs", DevSize: 2, FsSize: 1}, "", "", "/d needs to be mounted for XFS operations"},
		{"xfs mounted", args("fstype", "xfs", "resizefs", true), fsState{Fs: "xfs", DevSize: 2, FsSize: 1, Mountpoint: "/m"}, "xfs_growfs /m", "resizing filesystem XFS on device /d", ""},
		{"swap cannot grow", args("fstype", "swap", "resizefs", true), fsState{Fs: "swap"}, "", "", "module does not support resizing swap filesystem yet."},
		{"btrfs is not grown by haplay", args("fstype", "btrfs", "resizefs", true), fsState{Fs: "btrfs"}, "", "", "haplay does not resize btrfs filesystems (resizefs works for ext2, ext3, ext4 and xfs)"},
		{"missing", args("fstype", "ext4"), fsState{Missing: true}, "", "", "Device /d not found."},
		{"absent, missing", args("state", "absent"), fsState{Missing: true}, "", "Device /d not found.", ""},
		{"absent", args("state", "absent"), ext4, "wipefs --all /d", "", ""},
		{"absent already", args("state", "absent"), fsState{}, "", "", ""},
	} {
		p := planFilesystem(tc.a, tc.st)
		if strings.Join(p.Cmd, " ") != tc.cmd || p.Msg != tc.msg || p.Fail != tc.fail || p.Changed != (tc.cmd != "") {
			t.Errorf("%s: got %+v", tc.name, p)
		}
	}
}

func TestFilesystemSizes(t *testing.T) {
	tune := "tune2fs 1.47.0 (5-Feb-2023)\nFilesystem volume name:   <none>\nBlock count:              8192\nReserved block count:     409\nBlock size:               4096\n"
	if got := parseTune2fs(tune); got != 8192*4096 {
		t.Errorf("tune2fs: %d", got)
	}
	xfs := "meta-data=/dev/sdb1              isize=512    agcount=4, agsize=65536 blks\n" +
		"data     =                       bsize=4096   blocks=262144, imaxpct=25\n         =                       sunit=0      swidth=0 blks\n"
	if got := parseXFSInfo(xfs); got != 4096*262144 {
		t.Errorf("xfs_info: %d", got)
	}
	if parseTune2fs("garbage") != -1 || parseXFSInfo("") != -1 {
		t.Errorf("unparsable output is unknown")
	}
}
