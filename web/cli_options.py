"""Options shared by the ``archive`` commands that open an engine."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import get_args

import click

from archive.settings import EntitySetting, get_settings
from index.engine import EngineName, EngineUnavailable, QueryRefused
from index.engines import engine_config
from index.store import IndexMissing


def engine_options(command):
    """``--index``, ``--engine`` and ``--nodes``, passed on as one ``engine`` config; the
    engine's errors (no index, a node down, a refused query) end the command with a
    message, not a traceback."""
    @functools.wraps(command)
    def run(*args, index_dir, engine_name, nodes, **kwargs):
        config = engine_config(get_settings(), engine_name, index_dir and Path(index_dir),
                               nodes)
        try:
            return command(*args, engine=config, **kwargs)
        except (IndexMissing, EngineUnavailable, QueryRefused) as exc:
            raise click.ClickException(str(exc)) from exc

    for option in reversed([
        click.option("--index", "index_dir", type=click.Path(file_okay=False),
                     help="Index directory (default: $ARCHIVE_INDEX_DIR or ./var/index; "
                          "for Sphinx its state, $ARCHIVE_SPHINX_STATE_DIR or ./var/sphinx)."),
        click.option("--engine", "engine_name", type=click.Choice([e.value for e in EngineName]),
                     help="Search engine (default: $ARCHIVE_ENGINE or whoosh)."),
        click.option("--nodes", help="Sphinx nodes: host:port,host:port (SphinxQL ports) or "
                                     "the --dir of `archive nodes up` "
                                     "(default: $ARCHIVE_SPHINX_NODES)."),
    ]):
        run = option(run)
    return run


#: ``--entities fast|accurate``: which extractor fills (or is expected to fill) entities.
entities_option = click.option(
    "--entities", type=click.Choice(get_args(EntitySetting)), default=None,
    help="Entity extraction: fast (CRF, the default) or accurate (neural tagger, slower) "
         "(default: $ARCHIVE_ENTITIES or fast).")
