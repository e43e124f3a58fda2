#!/usr/bin/env python3
"""Turns `watchdog run`'s log (stdin) into the demo's live story (stdout), one short line per
event that matters: state changes, holds, recovery actions, scheduled backups, reloads, alert
failures. Every raw line is also appended to the file given as the first argument. Ctrl-C is
ignored: the demo stops the watchdog, and this ends at its last line."""
import shlex
import signal
import sys

signal.signal(signal.SIGINT, signal.SIG_IGN)

SHOWN = {"watchdog_started", "state_change", "hold_changed", "action_start", "action_done",
         "rung_skipped", "scheduled_backup", "backup_schedule", "config_reloaded",
         "config_reload_rejected", "alert_failed", "watchdog_stopped"}


def fields(rest):
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    return dict(w.split("=", 1) for w in words if "=" in w)


def story(event, f):
    c = f.get("component", "")
    if event == "state_change":
        return f"{c}: {f['from']} -> {f['to']}   {f.get('reason', '')}"
    if event == "hold_changed":
        return f"{c}: hold {f.get('hold', '')}"
    if event == "action_start":
        return f"{c}: action {f.get('action')} (attempt {f.get('attempt')}) started"
    if event == "action_done":
        return f"{c}: action {f.get('action')} ok={f.get('ok')}: {f.get('detail', '')}"
    if event == "rung_skipped":
        return f"{c}: rung {f.get('action')} skipped: {f.get('reason', '')}"
    if event == "scheduled_backup":
        return f"backups: scheduled pg_dump of {f.get('target')} ok={f.get('ok')}: {f.get('detail', '')}"
    if event == "backup_schedule":
        return f"backups: schedule of {f.get('target')}: {f.get('backup') or 'none'}"
    if event == "alert_failed":
        return f"alert to {f.get('sink', '?')} failed: {f.get('error', '')}"
    return event + (" " + " ".join(f"{k}={v}" for k, v in f.items()) if f else "")


with open(sys.argv[1], "a", buffering=1) as raw:
    for line in sys.stdin:
        raw.write(line)
        parts = line.rstrip("\n").split(None, 3)  # time, level, event, fields
        if len(parts) < 3 or parts[2] not in SHOWN:
            continue
        clock = parts[0][11:23]  # HH:MM:SS.mmm of 2026-12-05T18:29:21.096+00:00
        print(f"  {clock}  {story(parts[2], fields(parts[3] if len(parts) > 3 else ''))}",
              flush=True)
