"""Local Sphinx nodes for development and tests: one config, data folder and pid file each.

Node ``k`` listens on two loopback ports: SphinxQL (``port``, the address clients and
``ARCHIVE_SPHINX_NODES`` name) and the binary API at ``port + 1``, which the other nodes'
distributed indexes reach it by (``agent`` lines cannot speak SphinxQL). Every node holds
two slots of its shard (`SLOTS`), so a full rebuild fills one while the other serves.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .schema import DISTRIBUTED, LOCAL, SLOTS, rt_index_lines

NODES_FILE = "nodes.json"
START_TIMEOUT = 10.0


class NodeError(RuntimeError):
    """A node could not be started, reached or stopped; the message says which and why."""


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Address:
        host, sep, port = text.strip().rpartition(":")
        if not sep or not port.isdigit() or not host:
            raise ValueError(f"not a host:port address: {text!r}")
        return cls(host, int(port))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_nodes(text: str) -> list[Address]:
    """``host:port,host:port`` (SphinxQL ports) → addresses, in shard order."""
    nodes = [Address.parse(part) for part in text.split(",") if part.strip()]
    if not nodes:
        raise ValueError("no Sphinx nodes given (ARCHIVE_SPHINX_NODES=host:port,host:port)")
    return nodes


def searchd() -> str | None:
    """Debian's ``searchd`` (package ``sphinxsearch``), or None where it is not installed."""
    return shutil.which("searchd")


def node_config(directory: Path, me: int, nodes: list[Address], timeout_ms: int) -> str:
    """The ``sphinx.conf`` of node ``me``: its shard's slots, and a distributed index per
    slot naming every other node's shard as an agent."""
    address = nodes[me]
    blocks = [rt_index_lines(f"{LOCAL}_{slot}", directory / f"{LOCAL}_{slot}") for slot in SLOTS]
    for slot in SLOTS:
        agents = [f"  agent = {n.host}:{n.port + 1}:{LOCAL}_{slot}"
                  for k, n in enumerate(nodes) if k != me]
        blocks.append("\n".join([
            f"index {DISTRIBUTED}_{slot}", "{", "  type = distributed",
            f"  local = {LOCAL}_{slot}", *agents,
            f"  agent_connect_timeout = {min(timeout_ms, 1000)}",
            f"  agent_query_timeout = {timeout_ms}", "}"]))
    blocks.append("\n".join([
        "searchd", "{",
        f"  listen = {address.host}:{address.port}:mysql41",
        f"  listen = {address.host}:{address.port + 1}",
        f"  log = {directory / 'searchd.log'}",
        f"  query_log = {directory / 'query.log'}",
        f"  pid_file = {directory / 'searchd.pid'}",
        f"  binlog_path = {directory}",
        "  workers = threads",
        "  max_packet_size = 32M",
        # Facet ids rewritten after the alias table merges names are kept in this pool
        # until saved; the default 1M ran out at 250k articles ("out of pool memory on MVA
        # update"); a merge rewrites well under 100 bytes an article.
        "  mva_updates_pool = 256M",
        f"  read_timeout = {max(5, timeout_ms // 1000)}",
        "}"]))
    return "\n\n".join(blocks) + "\n"


def _free_pair(host: str, taken: set[int]) -> int:
    """A port ``p`` with ``p`` and ``p + 1`` both free on ``host``."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
        if port in taken or port + 1 in taken or port + 1 > 65535:
            continue
        try:
            with socket.socket() as second:
                second.bind((host, port + 1))
        except OSError:
            continue
        return port
    raise NodeError(f"no two adjacent free ports on {host}")


def up(directory: Path, count: int, host: str = "127.0.0.1", timeout_ms: int = 3000
       ) -> list[Address]:
    """Write a config per node under ``directory``, start them, wait until each accepts
    SphinxQL connections; the addresses are also saved in ``directory/nodes.json``."""
    binary = searchd()
    if binary is None:
        raise NodeError("searchd not found: install Debian's sphinxsearch "
                        "(apt-get install sphinxsearch)")
    if running(directory):
        raise NodeError(f"nodes are already running in {directory} (archive nodes down first)")
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[int] = set()
    nodes = []
    for _ in range(count):
        port = _free_pair(host, taken)
        taken.update((port, port + 1))
        nodes.append(Address(host, port))
    for k in range(count):
        node_dir = (directory / f"node{k}").resolve()
        node_dir.mkdir(exist_ok=True)
        (node_dir / "sphinx.conf").write_text(node_config(node_dir, k, nodes, timeout_ms))
    (directory / NODES_FILE).write_text(json.dumps({"nodes": [str(n) for n in nodes]}))
    for k in range(count):
        _start(binary, directory / f"node{k}")
    deadline = time.monotonic() + START_TIMEOUT
    for k, node in enumerate(nodes):
        _wait_for(node, deadline, directory / f"node{k}")
    return nodes


def _start(binary: str, node_dir: Path) -> None:
    done = subprocess.run([binary, "--config", str(node_dir / "sphinx.conf")],
                          capture_output=True, text=True, timeout=START_TIMEOUT)
    if done.returncode != 0:
        raise NodeError(f"searchd in {node_dir} failed to start: "
                        f"{(done.stdout + done.stderr).strip().splitlines()[-1:]}")


def _wait_for(node: Address, deadline: float, node_dir: Path) -> None:
    while True:
        try:
            with socket.create_connection((node.host, node.port), timeout=0.5):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                log = node_dir / "searchd.log"
                tail = log.read_text(errors="replace").splitlines()[-3:] if log.is_file() else []
                raise NodeError(f"node {node} did not accept connections: {exc}; "
                                f"log: {' | '.join(tail)}") from exc
            time.sleep(0.05)


def saved_nodes(directory: Path) -> list[Address]:
    """The addresses ``up`` started in ``directory``."""
    path = directory / NODES_FILE
    if not path.is_file():
        raise NodeError(f"no nodes in {directory} (archive nodes up --dir {directory})")
    return [Address.parse(a) for a in json.loads(path.read_text())["nodes"]]


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie left for its parent to reap does not count)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _pid(node_dir: Path) -> int | None:
    try:
        pid = int((node_dir / "searchd.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def running(directory: Path) -> list[int]:
    """Indexes (counting from 0) of the nodes in ``directory`` whose searchd is alive."""
    if not (directory / NODES_FILE).is_file():
        return []
    return [k for k in range(len(saved_nodes(directory)))
            if _pid(directory / f"node{k}") is not None]


def down(directory: Path, only: int | None = None, timeout: float = 10.0) -> list[int]:
    """Stop every node in ``directory`` (or node ``only``) by its own pid file; returns
    the nodes stopped."""
    nodes = saved_nodes(directory)
    if only is not None and not 0 <= only < len(nodes):
        raise NodeError(f"no node {only}: {len(nodes)} nodes in {directory}")
    stopped = []
    for k in ([only] if only is not None else range(len(nodes))):
        pid = _pid(directory / f"node{k}")
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid(directory / f"node{k}") is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid(directory / f"node{k}") is not None:
            os.kill(pid, signal.SIGKILL)
        stopped.append(k)
    return stopped
