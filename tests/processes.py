"""The child processes of a process, read from Linux's ``/proc`` (the serve tests and the
web benchmarks count Uvicorn's workers with it)."""

from __future__ import annotations

from pathlib import Path


def child_pids(pid: int) -> set[int]:
    """The processes ``pid`` started and that still run, by every thread of it
    (``/proc/<pid>/task/<tid>/children``)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(n) for n in (task / "children").read_text().split()}
    return found


TCP_STATES = {"01": "ESTABLISHED", "0A": "LISTEN"}  # /proc/net/tcp's hex states read here


def tcp_sockets(pid: int, port: int) -> list[str]:
    """The states (``LISTEN``, ``ESTABLISHED``, or the hex code) of the TCP sockets ``pid``
    holds whose local port is ``port``: its open files matched by inode against
    ``/proc/net/tcp`` and ``tcp6``."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    states = []
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for fields in (line.split() for line in lines):
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[9] in inodes:
                states.append(TCP_STATES.get(fields[3], fields[3]))
    return states
