#!/usr/bin/env python3
"""The demo's closing table (scripts/demo.sh): `watchdog incidents --json` on stdin → one line per
incident, oldest first: time to detect (first failing check → CRITICAL) and to recover
(CRITICAL → HEALTHY) as the journal measured them, against the component's RTO."""
import json
import sys


def secs(value):
    return "-" if value is None else f"{value:.1f} s"


incidents = sorted(json.load(sys.stdin), key=lambda r: r["opened"])
print(f"  {'COMPONENT':<10}{'OPENED':<14}{'DETECT':<10}{'RECOVER':<10}{'RTO':<8}{'MET':<5}"
      f"{'ATTEMPTS':<10}CAUSE")
for r in incidents:
    met = {True: "yes", False: "NO", None: "-"}[r.get("rto_met")]
    cause = f"held: root cause {r['root_cause']}" if r.get("root_cause") else r["reason"]
    rto = "-" if r.get("rto_seconds") is None else f"{r['rto_seconds']:.0f} s"
    print(f"  {r['component']:<10}{r['opened'][11:23]:<14}{secs(r.get('time_to_detect_seconds')):<10}"
          f"{secs(r.get('time_to_recover_seconds')):<10}{rto:<8}{met:<5}{r['attempts']:<10}"
          f"{cause if len(cause) <= 80 else cause[:79] + '…'}")
met = sum(1 for r in incidents if r.get("rto_met"))
print(f"  {len(incidents)} incidents, RTO met by {met}")
