#!/usr/bin/env bash
# Installs the Debian packages haplay's tests and lab need. Idempotent: it
# skips apt entirely when every tool is already there.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have sshd || need+=(openssh-server)
have ssh || need+=(openssh-client)
have ansible-playbook || need+=(ansible-core)
have ip || need+=(iproute2)
have nsenter || need+=(util-linux) # lab: Exec into hosts; also mount, findmnt, blkid, wipefs (mount, filesystem)
have mkfs.ext4 || need+=(e2fsprogs) # the filesystem module's tests: mkfs.ext4, tune2fs, resize2fs
have haproxy || need+=(haproxy)
have firewall-offline-cmd || need+=(firewalld)
have lvm || need+=(lvm2)
have netplan || need+=(netplan.io)
have busybox || need+=(busybox)
have curl || need+=(curl)
have wget || need+=(wget)       # get_url on hosts without curl
have zip || need+=(zip)         # mod_getters builds a zip archive
have unzip || need+=(unzip)     # unarchive of zip archives
have crontab || need+=(cron)    # the cron module (mod_sys), as Ansible's needs crontab
have socat || need+=(socat)
have dockerd || need+=(docker.io) # docker_swarm tests: dockerd in lab hosts
have python3 || need+=(python3)
python3 -c "import apt" 2>/dev/null || need+=(python3-apt) # Ansible's apt module on the lab hosts
have dpkg-scanpackages || need+=(dpkg-dev) # apt module tests: a local file: repo
have sudo || need+=(sudo)
# The filters corpus case under ansible-playbook: json_query needs jmespath,
# ansible.utils.ipaddr the collections of Debian's ansible and netaddr.
/usr/bin/python3 -c "import jmespath" 2>/dev/null || need+=(python3-jmespath)
/usr/bin/python3 -c "import netaddr" 2>/dev/null || need+=(python3-netaddr)
[ -d /usr/lib/python3/dist-packages/ansible_collections/ansible/utils ] || need+=(ansible)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "deps.sh: run as root to install: ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
