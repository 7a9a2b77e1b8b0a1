"""Profile one request in process with pyinstrument.

`python -m bench.profile --db sqlite /staff/inbox`:

The request runs through the Flask test client, logged in as the seeded admin (for /staff
paths), on the benchmark database; the profile of the slowest of the repeats is printed.
"""

from __future__ import annotations

import argparse
import re
import time

from pyinstrument import Profiler

from bench import appconfig


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("path")
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = appconfig.make_app(appconfig.database_uri(args.db), WTF_CSRF_ENABLED=False)
    client = app.test_client()
    if args.path.startswith("/staff"):
        page = client.get("/staff/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        data = {"email": appconfig.ADMIN_EMAIL, "password": appconfig.PASSWORD}
        if match:
            data["csrf_token"] = match.group(1)
        response = client.post("/staff/login", data=data)
        assert response.status_code == 302, response.status_code
    client.get(args.path)  # warm up caches, templates
    timings = []
    for _ in range(args.repeat):
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        response = client.get(args.path)
        profiler.stop()
        timings.append((time.perf_counter() - started, profiler))
        assert response.status_code == 200, response.status_code
    print("ms:", [round(t * 1000, 1) for t, _ in timings])
    print(min(timings, key=lambda item: item[0])[1].output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
