#!/usr/bin/env bash
# Regenerates engine/catalog/modules.json.gz from the Ansible installed
# here (Debian's ansible and ansible-core packages): every module they ship,
# with its arguments. Run by hand when the Ansible release haplay follows
# changes, and check the result in. Takes a few minutes (ansible-doc).
set -euo pipefail
cd "$(dirname "$0")/.."
core=$(dpkg-query -W -f '${Version}' ansible-core)
coll=$(dpkg-query -W -f '${Version}' ansible)
ansible-doc --metadata-dump --no-fail-on-errors -t module 2>/dev/null |
  go run ./internal/gen/catalog -collections /usr/lib/python3/dist-packages/ansible_collections -core "$core" -ansible "$coll" -o engine/catalog/modules.json.gz
