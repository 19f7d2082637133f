"""SphinxQL connections to the nodes: bounded timeouts, and errors that say which node.

Writes go to the node that holds an article's shard; reads go to the first node that
answers, through its distributed index, which fans out to every other node.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import pymysql
from pymysql.constants import CLIENT

from ..engine import EngineUnavailable, QueryRefused
from .nodes import Address

_AGENT = re.compile(r"agent ([\w.\-]+):(\d+)")


class Cluster:
    """One lazily opened connection per node, reopened after an error."""

    def __init__(self, nodes: Sequence[Address], timeout: float = 5.0):
        self.nodes = list(nodes)
        self.timeout = timeout
        self._connections: dict[int, pymysql.connections.Connection] = {}
        self._lock = threading.RLock()

    def _connect(self, k: int) -> pymysql.connections.Connection:
        conn = self._connections.get(k)
        if conn is None:
            node = self.nodes[k]
            try:
                conn = pymysql.connect(
                    host=node.host, port=node.port, autocommit=True, charset="utf8",
                    connect_timeout=min(self.timeout, 2.0), read_timeout=self.timeout,
                    write_timeout=self.timeout, client_flag=CLIENT.MULTI_STATEMENTS)
            except pymysql.MySQLError as exc:
                raise EngineUnavailable(f"Sphinx node {k} ({node}) is unreachable: "
                                        f"{_reason(exc)}") from exc
            self._connections[k] = conn
        return conn

    def run(self, k: int, sql: str, args: Sequence | None = None) -> list[list[tuple]]:
        """Every result set of ``sql`` on node ``k`` (a statement batch gives several)."""
        with self._lock:
            conn = self._connect(k)
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, args)
                    sets = [list(cur.fetchall())]
                    while cur.nextset():
                        sets.append(list(cur.fetchall()))
                    return sets
            except pymysql.MySQLError as exc:
                if _is_query_error(exc):
                    raise QueryRefused(_reason(exc).strip("\x00").split(";")[0]) from exc
                self._drop(k)
                raise EngineUnavailable(f"Sphinx node {k} ({self.nodes[k]}) failed: "
                                        f"{_reason(exc)}") from exc

    def many(self, k: int, sql: str, rows: Sequence[Sequence]) -> None:
        with self._lock:
            conn = self._connect(k)
            try:
                with conn.cursor() as cur:
                    cur.executemany(sql, rows)
            except pymysql.MySQLError as exc:
                self._drop(k)
                raise EngineUnavailable(f"Sphinx node {k} ({self.nodes[k]}) failed: "
                                        f"{_reason(exc)}") from exc

    def read(self, sql: str, args: Sequence | None = None) -> list[list[tuple]]:
        """``sql`` on the first node that answers (each can answer for the whole archive)."""
        errors = []
        for k in range(len(self.nodes)):
            try:
                return self.run(k, sql, args)
            except EngineUnavailable as exc:
                errors.append(str(exc))
        raise EngineUnavailable("no Sphinx node answered: " + "; ".join(errors))

    def count(self, index: str, match: str) -> int:
        """How many documents of ``index`` match the MATCH() text ``match``."""
        sets = self.read(f"SELECT id FROM {index} WHERE MATCH(%s) LIMIT 1 "
                         "OPTION ranker=none, max_matches=1; SHOW META", (match,))
        return int(dict(sets[-1]).get("total_found", 0))

    def missing_shard(self, warning: str) -> str | None:
        """The node an agent warning names (agents listen on the SphinxQL port + 1)."""
        found = _AGENT.search(warning)
        if not found:
            return None
        host, port = found.group(1), int(found.group(2))
        for k, node in enumerate(self.nodes):
            if node.host == host and node.port + 1 == port:
                return f"shard {k} ({node})"
        return f"the shard at {host}:{port}"

    def _drop(self, k: int) -> None:
        conn = self._connections.pop(k, None)
        if conn is not None:
            try:
                conn.close()
            except pymysql.MySQLError:
                pass

    def close(self) -> None:
        with self._lock:
            for k in list(self._connections):
                self._drop(k)


def _is_query_error(exc: pymysql.MySQLError) -> bool:
    text = str(exc)
    return "syntax error" in text or "query is non-computable" in text or "parse error" in text


def _reason(exc: BaseException) -> str:
    args = getattr(exc, "args", ())
    return str(args[-1]) if args else type(exc).__name__
