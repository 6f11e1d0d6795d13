#!/usr/bin/env bash
# The main job, end to end on this machine (root): build haplay, bring up a
# 4-host lab of real SSH hosts dressed as the seeds' servers, and run
# playbooks/site.yml on it three times: haplay plan, haplay run, and
# haplay run again (changed=0). Then take the lab down.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/lab-site.sh
