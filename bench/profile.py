"""Profile one request in process with pyinstrument.

`python -m bench.profile --db sqlite /staff/inbox`, or `--db ratio` for a fresh copy of the
`bench ratio` database; `--post` profiles POST /ask (each with a form fetched first, outside the
profile) instead of a GET:

The request runs through the Flask test client, logged in as the seeded admin (for /staff
paths), on the benchmark database; the profile of the fastest of the repeats is printed, and
with `--save` also written to bench/results/<time>-profile-<path>.txt.
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from pyinstrument import Profiler

from bench import appconfig


def _login(client: Any) -> None:
    page = client.get("/staff/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": appconfig.ADMIN_EMAIL, "password": appconfig.PASSWORD}
    if match:
        data["csrf_token"] = match.group(1)
    response = client.post("/staff/login", data=data)
    assert response.status_code == 302, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("path")
    parser.add_argument("--db", default="sqlite", help="sqlite, postgresql, ratio or a URI")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--post", action="store_true", help="POST /ask (a new enquiry each time)")
    parser.add_argument("--save", action="store_true", help="also write bench/results/…txt")
    args = parser.parse_args()
    if args.db == "ratio":
        from bench.ratio import ensure_seeded, working_copy

        ensure_seeded(10_000, reseed=False)
        uri = working_copy()
    else:
        uri = appconfig.database_uri(args.db)
    app = appconfig.make_app(uri, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    if args.path.startswith("/staff"):
        _login(client)
    request = _Poster(client, args.path) if args.post else (lambda: client.get(args.path))
    request()  # warm up caches, templates
    timings = []
    for _ in range(args.repeat):
        prepared = request.prepare() if hasattr(request, "prepare") else None
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        response = request(prepared) if prepared is not None else request()
        profiler.stop()
        timings.append((time.perf_counter() - started, profiler))
        assert response.status_code in (200, 303), response.status_code
    print("ms:", [round(t * 1000, 1) for t, _ in timings])
    text = min(timings, key=lambda item: item[0])[1].output_text(unicode=True, color=False)
    print(text)
    if args.save:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        slug = ("post-" if args.post else "") + re.sub(r"\W+", "-", args.path).strip("-")
        out = appconfig.RESULTS / f"{stamp}-profile-{slug}.txt"
        out.write_text(text, encoding="utf-8")
        print(out.relative_to(appconfig.ROOT))


class _Poster:
    """POST /ask: `prepare()` fetches a form (not profiled); calling sends a new enquiry."""

    def __init__(self, client: Any, path: str) -> None:
        from bench.corpus import Writer

        self.client, self.path, self.writer = client, path, Writer(1000)

    def prepare(self) -> dict[str, str]:
        from bench.ratio import hidden_fields

        return hidden_fields(self.client.get(self.path).get_data(as_text=True))

    def __call__(self, fields: dict[str, str] | None = None) -> Any:
        fields = fields if fields is not None else self.prepare()
        kind = self.writer.random.choice(["question", "suggestion", "complaint"])
        return self.client.post(self.path, data=self.writer.form_data(kind, fields))


if __name__ == "__main__":
    main()
