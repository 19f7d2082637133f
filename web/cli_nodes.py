"""``archive nodes``: local Sphinx ``searchd`` nodes for development and tests."""

from __future__ import annotations

import json
from pathlib import Path

import click

from index.engine import EngineUnavailable
from index.sphinx.client import Cluster
from index.sphinx.nodes import NodeError, down, running, saved_nodes, up
from index.sphinx.schema import LOCAL, SLOTS

dir_option = click.option("--dir", "directory", type=click.Path(file_okay=False),
                          default="var/nodes", show_default=True,
                          help="Folder of the nodes' configs, data and pid files.")


@click.group("nodes")
def nodes_cmd() -> None:
    """Start, inspect and stop local Sphinx nodes (Debian's searchd).

    \\b
    Example:
      archive nodes up --count 2 --dir var/nodes
      archive reindex seeds/ --engine sphinx --nodes var/nodes
      archive nodes down --dir var/nodes
    """


@nodes_cmd.command("up")
@click.option("--count", type=click.IntRange(1, 64), default=2, show_default=True)
@dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
def up_cmd(count, directory, host) -> None:
    """Write a config per node, start them on free ports and wait until they answer;
    prints ``{"nodes": ["host:port", ...]}`` (their SphinxQL ports)."""
    try:
        nodes = up(Path(directory), count, host)
    except NodeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"nodes": [str(n) for n in nodes]}))


@nodes_cmd.command("status")
@dir_option
def status_cmd(directory) -> None:
    """Print ``{"nodes": [{"address", "documents"}, ...]}``; documents is null for a node
    that does not answer (the served slot's count, or both slots' before any build)."""
    try:
        nodes = saved_nodes(Path(directory))
    except NodeError as exc:
        raise click.ClickException(str(exc)) from exc
    alive = set(running(Path(directory)))
    cluster = Cluster(nodes, timeout=2.0)
    out = []
    for k, node in enumerate(nodes):
        documents = None
        if k in alive:
            try:
                documents = max(int(cluster.run(k, f"SELECT COUNT(*) FROM {LOCAL}_{slot}")[0][0][0])
                                for slot in SLOTS)
            except EngineUnavailable:
                documents = None
        out.append({"address": str(node), "documents": documents})
    cluster.close()
    click.echo(json.dumps({"nodes": out}))


@nodes_cmd.command("down")
@dir_option
@click.option("--only", type=int, default=None, help="Stop node K only (counting from 0).")
def down_cmd(directory, only) -> None:
    """Stop the nodes (or node K) by their own pid files."""
    try:
        stopped = down(Path(directory), only)
    except NodeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"stopped": stopped}))
