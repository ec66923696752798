"""One connection to an ssh target's server, shared by every command a publish runs there (ssh's own multiplexing).

The first command starts a master connection (`ssh -M`) whose socket lies in a folder only this user can enter; every
later `ssh` and rsync's ssh go through it, so a publish authenticates once instead of once a command. The master ends
when the process does (`close`, at exit), or by itself a minute after its last command if the process was killed. A
master that cannot start costs nothing but the saving: each command then connects on its own, as ssh does when the
socket is missing.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from pipeline import workers
from pipeline.publish.targets.base import PublishError

IDLE = 60  # seconds a master with no command running stays up (it outlives a killed publish by at most this)


@dataclass(frozen=True, slots=True)
class Server:
    """Where to connect and how: the checked host, user and port, and the environment variables naming the key and known hosts."""

    name: str  # the target's, for messages
    host: str
    user: str
    port: int
    identity_env: str
    known_hosts_env: str
    timeout: int

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host


class Link:
    """Commands run on one server over a shared connection."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._folder: str | None = None  # holds the master's socket while it runs
        self._tried = False

    def ssh(self) -> list[str]:
        """The ssh command line: fixed options, the key and known hosts from the environment, the shared connection."""
        server = self.server
        command = ["ssh", "-p", str(server.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        command += ["-o", f"ConnectTimeout={server.timeout}", "-o", "ServerAliveInterval=15"]
        if identity := os.environ.get(server.identity_env):
            command += ["-i", identity, "-o", "IdentitiesOnly=yes"]
        if known := os.environ.get(server.known_hosts_env):
            command += ["-o", f"UserKnownHostsFile={known}"]
        if self._folder is not None:
            command += ["-o", f"ControlPath={self._folder}/master", "-o", "ControlMaster=no"]
        return command

    def run(self, script: str, data: str = "", errors: str = "strict") -> str:
        """Run a shell script on the server with `data` on its standard input; PublishError with ssh's own words when it fails."""
        self._start()
        try:
            done = subprocess.run(
                [*self.ssh(), "--", self.server.where, script],
                input=data,
                capture_output=True,
                text=True,
                errors=errors,
                timeout=self.server.timeout * 10,
                preexec_fn=workers.die_with_parent,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PublishError(f"target '{self.server.name}': ssh to {self.server.where} failed: {exc}") from None
        if done.returncode != 0:
            raise PublishError(f"target '{self.server.name}': {said(done.stderr, done.returncode, self.server.where)}")
        return done.stdout

    def close(self) -> None:
        """End the master connection, if one runs."""
        folder, self._folder = self._folder, None
        if folder is None:
            return
        try:
            subprocess.run(
                ["ssh", "-o", f"ControlPath={folder}/master", "-O", "exit", "--", self.server.where],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            pass  # it ends by itself once idle
        shutil.rmtree(folder, ignore_errors=True)

    def _start(self) -> None:
        """Start the master connection once; if it cannot start, commands connect on their own (and say why it failed)."""
        if self._tried:
            return
        self._tried = True
        try:
            folder = _socket_folder()
        except OSError:
            return
        options = ["-o", f"ControlPath={folder}/master", "-o", "ControlMaster=yes", "-o", f"ControlPersist={IDLE}"]
        with open(f"{folder}/said", "w+", encoding="utf-8", errors="replace") as said_file:
            try:  # its words go to a file: the master keeps what it was given open while it runs
                started = subprocess.run(
                    [*self.ssh(), *options, "-f", "-N", "--", self.server.where],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=said_file,
                    timeout=self.server.timeout * 2,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired):
                started = None
        if started is None or started.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            return  # the command that follows connects on its own and reports ssh's own words
        self._folder = folder
        atexit.register(self.close)


def _socket_folder() -> str:
    """A new folder only this user can enter (mkdtemp's mode 0700) for the master's socket: in the temporary folder when the
    socket's path fits a socket address there (ssh adds 17 characters while it makes it; 104 bytes at most on BSD and macOS),
    else in /tmp."""
    folder = tempfile.mkdtemp(prefix="pipeline-ssh-")
    if len(os.fsencode(f"{folder}/master")) + 17 < 104:
        return folder
    os.rmdir(folder)
    return tempfile.mkdtemp(prefix="pipeline-ssh-", dir="/tmp")


def said(stderr: str, code: int, where: str) -> str:
    """ssh's or rsync's last words, with a hint for the usual ones."""
    words = " ".join(line.strip() for line in stderr.strip().splitlines()[-2:]) or f"exit status {code}"
    if "Host key verification failed" in stderr or "No matching host key" in stderr:
        return f"{words}; add the server's host key to known_hosts (check it, then `ssh-keyscan` or one `ssh {where}`)"
    if "Permission denied" in stderr and "publickey" in stderr:
        return f"{words}; the server refused the key (set the variable identity_env names to the key file)"
    return words
