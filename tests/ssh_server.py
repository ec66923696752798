"""A real OpenSSH server on 127.0.0.1 with throwaway keys, for the ssh target's tests and benchmarks/ssh.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def available() -> bool:
    """Whether this machine has sshd, ssh and rsync (`make test` installs them)."""
    return Path(SSHD).exists() and shutil.which("rsync") is not None and shutil.which("ssh") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(keys: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Start sshd with keys made in `keys` (a new folder), logging to `keys`/sshd.log; yields its port and the environment naming
    the client's key and known hosts."""
    keys.mkdir(parents=True)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    os.chmod(keys / "authorized_keys", 0o600)
    port = _free_port()
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nAuthorizedKeysFile {keys / 'authorized_keys'}\n"
        f"PidFile {keys / 'sshd.pid'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "PermitRootLogin prohibit-password\n"
    )
    host_key = " ".join((keys / "host.pub").read_text().split()[:2])
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd started by root insists on its privilege separation folder
    server = subprocess.Popen([SSHD, "-D", "-E", str(keys / "sshd.log"), "-f", str(config)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("sshd did not start") from None
            time.sleep(0.05)
    try:
        yield port, {"SSH_IDENTITY_FILE": str(keys / "client"), "SSH_KNOWN_HOSTS": str(keys / "known_hosts")}
    finally:
        server.terminate()
        server.wait(10)
