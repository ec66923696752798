"""Real stock Debian WebDAV servers (Apache httpd with mod_dav_fs, nginx with and without dav-ext) started on 127.0.0.1 for a test."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

APACHE = "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
NGINX = "/usr/sbin/nginx"
DAV_EXT = Path("/usr/lib/nginx/modules/ngx_http_dav_ext_module.so")
KINDS = ("apache", "nginx", "nginx-dav-ext")


@dataclass(frozen=True)
class RealDav:
    kind: str
    url: str  # http://127.0.0.1:<port>/
    folder: Path  # what it serves

    def served(self, collection: str = "sites/blog") -> dict[str, bytes]:
        """The files on disk under `collection`, without our own records."""
        live = self.folder / collection
        files = {path.relative_to(live).as_posix(): path.read_bytes() for path in live.rglob("*") if path.is_file()}
        return {path: data for path, data in files.items() if not path.startswith(".pipeline-")}


def missing(kind: str) -> str | None:
    """Why `kind` cannot run here, or None."""
    if kind == "apache":
        return None if Path(APACHE).exists() and (APACHE_MODULES / "mod_dav_fs.so").exists() else "needs apache2 (`make test` installs it)"
    if not Path(NGINX).exists():
        return "needs nginx (`make test` installs it)"
    if kind == "nginx-dav-ext" and not DAV_EXT.exists():
        return "needs libnginx-mod-http-dav-ext (`make test` installs it)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _worker() -> tuple[str, str]:
    """The user and group the server's workers run as: www-data as root (Apache refuses root), else ourselves."""
    if os.geteuid() == 0:
        return "www-data", "www-data"
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name


def _apache_config(conf: Path, port: int, folder: Path, lockdb: Path, user: str, group: str) -> str:
    modules = ("mpm_prefork", "authz_core", "mime", "dir", "dav", "dav_fs")
    loads = "".join(f"LoadModule {name}_module {APACHE_MODULES / f'mod_{name}.so'}\n" for name in modules)
    return (
        f"{loads}ServerRoot {conf}\nServerName 127.0.0.1\nListen 127.0.0.1:{port}\nPidFile {conf / 'httpd.pid'}\n"
        f"ErrorLog {conf / 'error.log'}\nLogLevel warn\nUser {user}\nGroup {group}\nTypesConfig /etc/mime.types\n"
        f"DavLockDB {lockdb}\nDocumentRoot {folder}\nDirectoryIndex index.html\n"
        f'<Directory "{folder}">\n  Dav On\n  Require all granted\n  AllowOverride None\n</Directory>\n'
    )


def _nginx_config(conf: Path, port: int, folder: Path, dav_ext: bool, user_group: tuple[str, str], lock_seconds: int) -> str:
    temp = folder.parent / "temp"  # where the worker writes a PUT body before renaming it into place: beside the folder
    load = f"load_module {DAV_EXT};\n" if dav_ext else ""
    user = f"user {user_group[0]} {user_group[1]};\n" if os.geteuid() == 0 else ""
    zone = f"  dav_ext_lock_zone zone=pipeline:1m timeout={lock_seconds}s;\n" if dav_ext else ""
    ext = "    dav_ext_methods PROPFIND OPTIONS LOCK UNLOCK;\n    dav_ext_lock zone=pipeline;\n" if dav_ext else ""
    return (
        f"{load}{user}worker_processes 1;\npid {conf / 'nginx.pid'};\nerror_log {conf / 'error.log'} warn;\n"
        f"events {{ worker_connections 256; }}\nhttp {{\n  access_log off;\n{zone}"
        f"  client_body_temp_path {temp / 'body'};\n  proxy_temp_path {temp / 'proxy'};\n  fastcgi_temp_path {temp / 'fcgi'};\n"
        f"  uwsgi_temp_path {temp / 'uwsgi'};\n  scgi_temp_path {temp / 'scgi'};\n  client_max_body_size 0;\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n    root {folder};\n    index index.html;\n"
        f"    dav_methods PUT DELETE MKCOL COPY MOVE;\n    dav_access user:rw group:rw all:r;\n{ext}"
        "  }\n}\n"
    )


@contextmanager
def real_dav(kind: str, tmp_path: Path, lock_seconds: int = 60) -> Iterator[RealDav]:
    """Start the `kind` server in the foreground on a free port, serving a folder holding an empty `sites/`; stop it after.

    `lock_seconds`: the longest LOCK nginx's dav-ext grants (its default, 60 s, unless a test wants to see one end)."""
    conf = tmp_path / f"{kind}-conf"
    conf.mkdir()
    user, group = _worker()
    # the folder served sits in a place the worker user can reach (pytest's tmp_path is private to its owner)
    served = Path(tempfile.mkdtemp(prefix=f"pipeline-{kind}-"))
    os.chmod(served, 0o755)
    folder = served / "www"
    (folder / "sites").mkdir(parents=True)
    lockdb = served / "lock" / "DavLock"
    lockdb.parent.mkdir()
    (served / "temp").mkdir()
    if os.geteuid() == 0:
        for path in (folder, folder / "sites", lockdb.parent, served / "temp"):
            shutil.chown(path, user, group)
    port = _free_port()
    if kind == "apache":
        (conf / "httpd.conf").write_text(_apache_config(conf, port, folder, lockdb, user, group))
        command = [APACHE, "-DFOREGROUND", "-d", str(conf), "-f", str(conf / "httpd.conf")]
    else:
        (conf / "nginx.conf").write_text(_nginx_config(conf, port, folder, kind == "nginx-dav-ext", (user, group), lock_seconds))
        command = [NGINX, "-p", str(conf), "-c", str(conf / "nginx.conf"), "-g", "daemon off;"]
    # its own session: Apache signals its whole process group when it stops, which would take pytest along
    with (conf / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(process, url, conf)
        yield RealDav(kind, url, folder)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(served, ignore_errors=True)


def _wait(process: subprocess.Popen[bytes], url: str, conf: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "".join(path.read_text(errors="replace") for path in conf.glob("error.log"))
            raise RuntimeError(
                f"the server stopped at once: {process.stderr.read().decode(errors='replace') if process.stderr else ''}{logs}"
            )
        try:
            requests.get(url + "sites/", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"the server at {url} did not answer within 15 s")
