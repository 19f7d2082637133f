"""Screenshots of the search and article pages in Debian's chromium (docs/*.png).

Builds a throwaway index from seeds/ (entities extracted) plus the synthetic articles of
the web tests, serves the app on a free port and walks: search → filter → article.

    python bench/screenshots.py                     # writes docs/search.png, docs/article.png
    python bench/screenshots.py --out /tmp/shots --corpus ../shared/data/corpus/x.jsonl.gz
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
from itertools import islice
from pathlib import Path

from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.models import Article  # noqa: E402
from archive.readers import read_sources  # noqa: E402
from index.build import reindex  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, sample_articles  # noqa: E402
from web.app import create_app  # noqa: E402
from web.enrich import enricher  # noqa: E402

SEED_ID = "000_04c1b4fd56738f6d"


def articles(corpus: Path | None, limit: int):
    seeds = [a for a in read_sources([REPO / "seeds"]) if isinstance(a, Article)]
    yield from (enricher()(a) for a in seeds)
    if corpus:
        found = (a for a in read_sources([corpus]) if isinstance(a, Article))
        yield from (enricher()(a) for a in islice(found, limit))
    else:
        yield from sample_articles()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--corpus", type=Path, help="also index articles from this file")
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--query", default="غزة")
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    try:
        reindex(work / "index", articles(options.corpus, options.limit))
        app = create_app({"INDEX_DIR": str(work / "index")})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        options.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(work / "profile"), executable_path=shutil.which("chromium"), headless=True,
                args=CHROMIUM_ARGS, locale="ar", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(base + "/")
            page.fill("#q", options.query)
            with page.expect_navigation():
                page.press("#q", "Enter")
            page.screenshot(path=str(options.out / "search.png"), full_page=True)
            seed = page.locator(f'li.hit[data-id="{SEED_ID}"] h2 a')
            with page.expect_navigation():
                (seed if seed.count() else page.locator("li.hit h2 a").first).click()
            page.screenshot(path=str(options.out / "article.png"), full_page=True)
            if options.out != REPO / "docs":  # extra views for reviewing, not for docs/
                page.set_viewport_size({"width": 390, "height": 844})
                page.goto(base + "/?q=" + options.query)
                page.screenshot(path=str(options.out / "search-phone.png"), full_page=True)
                page.set_viewport_size({"width": 1280, "height": 900})
                for name, url in (("landing", "/"), ("help", "/help"),
                                  ("empty", "/?q=كلمةغيرموجودة"), ("error", "/?page=0"),
                                  ("notfound", "/articles/nope")):
                    page.goto(base + url)
                    page.screenshot(path=str(options.out / f"{name}.png"), full_page=True)
            context.close()
        server.shutdown()
        print(f"screenshots in {options.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
