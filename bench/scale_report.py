"""bench/scale.py's report: one Markdown table per size and engine."""

from __future__ import annotations

from collections.abc import Iterator

MATCHES, PCTS = ("all", "any"), ("p50", "p95", "p99")


def header_line(head: dict) -> str:
    return (f"{head['date']} · nproc {head['nproc']} · {head['memory_gb']} GB RAM · "
            f"Python {head['python']} · {head['commit']} · `{head['command']}`")


def table(head: dict, fig: dict) -> Iterator[str]:
    """One size as Markdown: our figure, FTS5's, and the ratio."""
    fts, rat, b = fig.get("fts5"), fig.get("ratios", {}), fig["build"]
    fb = fts["build"] if fts else {}
    yield (f"\n### {fig['articles']:,} articles ({fig.get('engine', head['engine'])}, entities "
           f"{'on' if head['entities'] else 'off'}, {fig['queries']} "
           "queries, each timed once)\n\n| figure | ours | FTS5 | ours/FTS5 |\n|---|---|---|---|")
    yield row("build from scratch (s)", b["seconds"], fb.get("seconds"), rat.get("build.seconds"))
    yield row("build articles/s", b["articles_per_s"], fb.get("articles_per_s"),
              rat.get("build.articles_per_s"))
    yield row("build peak RSS, process tree (MB)", b["peak_rss_mb"])
    yield row("build peak PSS, process tree (MB; shared pages split)", b.get("peak_pss_mb"))
    if "nodes_rss_mb" in b:
        yield row("searchd nodes RSS after the build (MB)", b["nodes_rss_mb"])
    yield row("index size (MB)", b["index_mb"], fb.get("db_mb"), rat.get("size_mb"))
    yield row("peak disk during build (MB)", b["peak_disk_mb"])
    yield row("unchanged re-check (s)", fig["recheck"]["seconds"])
    paths = [("library top-10", "library", "top10"), ("library page", "library", "page")]
    paths += [("HTTP page", "http", "page")] if "http" in fig else []
    trio = lambda f: " / ".join(sig(f[p]) for p in PCTS)  # noqa: E731
    for label, path, mode in paths:
        for m in MATCHES:
            yield row(f"{label} `{m}` p50/p95/p99 (ms)", trio(fig[path][mode][m]),
                      fts and trio(fts[mode][m]),
                      trio({p: rat[f"{path}.{mode}.{m}.{p}"] for p in PCTS}) if rat else None)
    timed = [(path, mode, fig[path][mode]) for _, path, mode in paths]
    timed += [("FTS5", mode, fts[mode]) for mode in ("top10", "page")] if fts else []
    failed = {f"{path} {mode} `{m}`": figs[m]["errors"] for path, mode, figs in timed
              for m in MATCHES if figs[m]["errors"]}
    if failed:
        yield row("queries that raised (left out)", ", ".join(f"{k}: {v}" for k, v in
                                                            failed.items()))
    for m in MATCHES:
        yield row(f"mean hits `{m}`", fig["library"]["page"][m]["mean_hits"],
                  fts and fts["page"][m]["mean_hits"])
    if "http" in fig:
        yield row(f"HTTP ({fig['http']['server']}) time to ready (s)", fig["http"]["ready_s"])
        yield row("HTTP server RSS after the run, all processes (MB)",
                  fig["http"]["server_rss_mb"])
        yield row("HTTP largest process RSS (a worker) (MB)", fig["http"]["worker_rss_mb"])


def sig(value: float) -> str:
    """3 significant digits, never in e-notation."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def row(label: str, ours: object, fts: object = None, ratio: object = None) -> str:
    cell = lambda v: "–" if v is None else f"{v:,g}" if isinstance(v, float | int) else v  # noqa: E731
    return f"| {label} | {cell(ours)} | {cell(fts)} | {cell(ratio)} |"
