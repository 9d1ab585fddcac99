"""Load scenarios for `make bench` (run by scripts/bench.sh, one scenario per locust process).

AURIC_BENCH_SCENARIO picks the scenario: bare (the ceiling: a Django view through the full
middleware stack), home, listing (a category page with a random facet filter), search (a random
realistic query), product (a product page drawn by popularity: Zipf weights 1/rank over the sampled
styles, most popular first, the way shop traffic concentrates) or product_cold (uniform over the
sampled styles: the first pass over them builds each page). AURIC_BENCH_TARGETS is the JSON file written by
`manage.py bench_targets`. Users wait for nothing between requests: 20 users are 20 requests in
flight, which measures throughput and latency under that concurrency.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from urllib.parse import urlencode

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

SCENARIO = os.environ.get("AURIC_BENCH_SCENARIO", "bare")
with open(os.environ.get("AURIC_BENCH_TARGETS", "bench-targets.json"), encoding="utf-8") as fh:
    TARGETS = json.load(fh)
CATEGORIES = sorted(TARGETS["categories"].items())
SORTS = ("newest", "price_asc", "price_desc", "popular")
SLUGS = TARGETS["slugs"]
ZIPF_WEIGHTS = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(SLUGS))))


class Shopper(FastHttpUser):
    wait_time = constant(0)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task
    def scenario(self) -> None:
        if SCENARIO == "bare":
            self._get("/bench/bare", "bare view")
        elif SCENARIO == "home":
            self._get("/", "home")
        elif SCENARIO == "listing":
            slug, filters = random.choice(CATEGORIES)
            params: dict[str, str] = {}
            if filters:
                name, value = random.choice(filters)
                params[name] = value
            if random.random() < 0.3:
                params["sort"] = random.choice(SORTS)
            query = f"?{urlencode(params)}" if params else ""
            self._get(f"/c/{slug}/{query}", "listing with facets")
        elif SCENARIO == "search":
            params = {"q": random.choice(TARGETS["queries"])}
            if random.random() < 0.2:
                params["sort"] = random.choice(SORTS)
            self._get(f"/search?{urlencode(params)}", "search")
        elif SCENARIO == "product":
            slug = random.choices(SLUGS, cum_weights=ZIPF_WEIGHTS)[0]
            self._get(f"/p/{slug}/", "product page")
        elif SCENARIO == "product_cold":
            self._get(f"/p/{random.choice(SLUGS)}/", "product page (cold)")
        else:
            raise SystemExit(f"Unknown AURIC_BENCH_SCENARIO {SCENARIO!r}")
