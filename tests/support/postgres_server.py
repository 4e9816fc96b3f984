"""A throwaway PostgreSQL server for the tests: initdb into a temporary directory, listening
on loopback only, trust authentication for its one local user, removed afterwards."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "rfd_back"


def postgres_bin_dir() -> Path:
    """The server binaries: pg_config's bindir, else the newest /usr/lib/postgresql/N/bin."""
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidate = Path(found.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    return versions[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """Start a server; yield the PG* environment variables that reach it."""
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="rfd_back_postgres_"))
    # PostgreSQL refuses to run as root: as root, run it as the system's postgres user.
    as_server_user: dict = {}
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_server_user = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    data, port = root / "data", free_port()

    def run(*command: str) -> None:
        subprocess.run(
            command, check=True, capture_output=True, text=True, cwd=root, **as_server_user
        )

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E",
            "UTF8", "--locale", "C", "--no-sync")  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
            "-o", options, "start")  # fmt: skip
        yield {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(port),
            "PGUSER": USER,
            "PGDATABASE": "postgres",
        }
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, cwd=root, **as_server_user,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
