"""Choosing an engine: the settings (or a command's options) → an open `Engine`."""

from __future__ import annotations

from pathlib import Path

from .engine import Engine, EngineConfig, EngineName


def engine_config(settings, name: str | None = None, index_dir: Path | None = None,
                  nodes: str | None = None) -> EngineConfig:
    """The engine ``settings`` (`archive.settings.Settings`) name, unless overridden.

    ``nodes`` is ``host:port,host:port`` or a folder `archive nodes up` started nodes in.
    """
    engine = EngineName(name or settings.engine)
    default_dir = settings.sphinx_state_dir if engine == EngineName.SPHINX else settings.index_dir
    text = settings.sphinx_nodes if nodes is None else nodes
    if text and Path(text).is_dir():
        from .sphinx.nodes import saved_nodes
        addresses = tuple(str(a) for a in saved_nodes(Path(text)))
    else:
        addresses = tuple(n.strip() for n in text.split(",") if n.strip())
    return EngineConfig(engine, Path(index_dir or default_dir), addresses,
                        settings.sphinx_timeout)


def open_engine(config: EngineConfig) -> Engine:
    """The engine ``config`` names (nothing is opened or contacted until first used)."""
    if config.name == EngineName.SPHINX:
        from .sphinx.engine import SphinxEngine
        return SphinxEngine(config)
    from .whoosh_engine import WhooshEngine
    return WhooshEngine(config)
