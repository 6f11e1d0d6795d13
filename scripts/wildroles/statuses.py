"""Prints one line per task and host ("NAME | HOST: STATUS") and the recap,
from ansible-playbook's json callback or haplay's --output json, so that
compare.sh can diff the two runs of a role."""
import json
import sys


def status(r):
    if "status" in r:  # haplay
        return r["status"]
    if r.get("unreachable"):
        return "unreachable"
    if r.get("failed"):
        return "failed"
    if r.get("skipped"):
        return "skipped"
    return "changed" if r.get("changed") else "ok"


def main(path):
    try:
        doc = json.load(open(path))
    except (OSError, ValueError) as e:
        print("no result: %s" % e)
        return
    for p in doc.get("plays", []):
        for t in p.get("tasks", []):
            name = t["task"]["name"] if "task" in t else t.get("name", "")
            if name in ("Gathering Facts", "gather facts"):
                name = "Gathering Facts"
            for h in sorted(t.get("hosts", {})):
                r = t["hosts"][h]
                # An include that included: ok under Ansible, an
                # "included:" line under haplay; the conformance corpus
                # leaves these rows out too.
                if "include" in r or "include_args" in r:
                    continue
                print("%s | %s: %s" % (name, h, status(r)))
    for h, s in sorted(doc.get("stats", {}).items()):
        s = {k.lower(): v for k, v in s.items()}
        print("recap %s ok=%s changed=%s failed=%s skipped=%s" % (
            h, s.get("ok"), s.get("changed"), s.get("failures", s.get("failed")), s.get("skipped")))


main(sys.argv[1])
