"""A killed `build` or `publish` leaves no worker behind: workers die with the command that forked them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SITE_YAML, article, hebrew


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid`, now."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for a reaper (a container's init may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or (os.cpu_count() or 1) < 2, reason="needs Linux /proc and two cores")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.parametrize("command", ["build", "publish"])
def test_a_killed_command_leaves_no_process_behind(make_site, how, command):
    files = {}
    for n in range(300):
        files[f"content/en/a{n}.md"] = article(f"Article {n}", body=("word " * 300) + f"{n}\n")
        files[f"content/he/a{n}.md"] = hebrew(f"מאמר {n}", body=("מילה " * 300) + f"{n}\n")
    root = make_site(files, SITE_YAML + "targets:\n  default:\n    type: local\n    path: published\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", command, "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while not workers:
        assert process.poll() is None, f"`pipeline {command}` ended before it forked its workers"
        assert time.monotonic() < deadline
        workers = _children(process.pid)
    process.send_signal(how)
    process.wait()
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _running(pid)], f"workers of the killed `pipeline {command}` still run"
