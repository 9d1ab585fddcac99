"""Load scenarios for `make bench` (run by scripts/bench.sh, one scenario per locust process).

AURIC_BENCH_SCENARIO picks the scenario: bare (the ceiling: a Django view through the full
middleware stack), home, listing (a category page with a random facet filter), search (a random
realistic query), product (a product page drawn by popularity: Zipf weights 1/rank over the sampled
styles, most popular first, the way shop traffic concentrates) or product_cold (uniform over the
sampled styles: the first pass over them builds each page) or checkout (each order is another returning
shopper's, with their own API token and usual device, buying through the API: add to cart → place
order → create a sandbox payment → the provider's signed callback, which marks the order paid). AURIC_BENCH_TARGETS is the JSON file written by
`manage.py bench_targets`. Users wait for nothing between requests: 20 users are 20 requests in
flight, which measures throughput and latency under that concurrency. checkout_paced, checkout_light
and checkout_plain are the checkout at a set rate (AURIC_BENCH_ORDER_RATE orders a second over
AURIC_BENCH_USERS users): the latency a shopper sees when the shop carries that load; checkout_plain
runs against a shop without the personal-data vault.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import secrets
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import gevent
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

SCENARIO = os.environ.get("AURIC_BENCH_SCENARIO", "bare")
with open(os.environ.get("AURIC_BENCH_TARGETS", "bench-targets.json"), encoding="utf-8") as fh:
    TARGETS = json.load(fh)
CATEGORIES = sorted(TARGETS["categories"].items())
SORTS = ("newest", "price_asc", "price_desc", "popular")
SLUGS = TARGETS["slugs"]
ZIPF_WEIGHTS = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(SLUGS))))
# One locust process: every user takes the next piece, so no two shoppers want the same piece.
# The warm-up buys from the end of the list, the measured run from its start.
# AURIC_BENCH_PIECES="i/n" buys only from the i-th of n equal parts (runs in one benchmark never meet).
_part, _parts = (int(x) for x in os.environ.get("AURIC_BENCH_PIECES", "0/1").split("/"))
_all_pieces = TARGETS.get("checkout_pieces", [])
_share = len(_all_pieces) // _parts
PIECES = iter(_all_pieces[_part * _share : (_part + 1) * _share][:: -1 if os.environ.get("AURIC_BENCH_WARMUP") else 1])
# Each order is another shopper's: accounts are split into parts like the pieces.
# A shopper is an account token and the id of the device it usually buys from (X-Device-Id).
_all_shoppers = list(zip(TARGETS.get("checkout_tokens", []), TARGETS.get("checkout_devices", []), strict=True))
_shopper_share = len(_all_shoppers) // _parts
SHOPPERS = iter(
    _all_shoppers[_part * _shopper_share : (_part + 1) * _shopper_share][
        :: -1 if os.environ.get("AURIC_BENCH_WARMUP") else 1
    ]
)
# The provider side signs its callbacks with the secret the shop was started with (scripts/bench.sh).
SANDBOX_SECRET = os.environ.get("AURIC_SANDBOX_PAYMENTS_SECRET", "").encode()
ADDRESS = {
    "name": "张三",
    "phone": "13812345678",
    "country": "CN",
    "region": "上海市",
    "city": "上海市",
    "district": "静安区",
    "street": "南京西路 1266 号",
    "detail": "恒隆广场 2 座 18 楼",
}


def signed_callback(payment: dict[str, str]) -> tuple[bytes, str]:
    """The sandbox provider's callback for a successful payment: raw JSON and its signature header."""
    body = {
        "event_id": f"evt_{secrets.token_hex(12)}",
        "payment_id": payment["payment_id"],
        "status": "succeeded",
        "amount": payment["amount"],
        "currency": payment["currency"],
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    t = int(time.time())
    mac = hmac.new(SANDBOX_SECRET, f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, f"t={t},v1={mac}"


# The paced checkouts: every user paces itself so that all of them together start AURIC_BENCH_ORDER_RATE
# orders a second (the latency at a given load); the other scenarios wait for nothing.
PACED = SCENARIO in ("checkout_paced", "checkout_light", "checkout_plain")
ORDER_RATE = float(os.environ.get("AURIC_BENCH_ORDER_RATE", "16"))
USERS = int(os.environ.get("AURIC_BENCH_USERS", "20"))


def paced(cycle: float):
    """Start the user's task every `cycle` seconds, from the random phase `on_start` gave it; a task
    that overran starts the next at once, without catching up. (locust's constant_pacing counts from
    the user's spawn, which would line all users up again after a random start.)"""

    def wait(user: Shopper) -> float:
        now = time.monotonic()
        user.next_start = max(user.next_start + cycle, now)
        return user.next_start - now

    return wait


class Shopper(FastHttpUser):
    wait_time = paced(USERS / ORDER_RATE) if PACED else constant(0)
    next_start = 0.0

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def on_start(self) -> None:
        self.headers: dict[str, str] = {}
        if PACED:
            # Each user starts at a random point of its cycle: users all spawned within a second would
            # otherwise start their orders together, every cycle, and measure a burst, not a rate.
            gevent.sleep(random.uniform(0, USERS / ORDER_RATE))
            self.next_start = time.monotonic()

    def _next_shopper(self) -> None:
        """Another shopper on their own device: a fresh account token and no cookies from the last one."""
        shopper = next(SHOPPERS, None)
        if shopper is None:
            raise SystemExit("The benchmark ran out of shoppers (raise bench_targets --shoppers)")
        token, device = shopper
        self.headers = {"Authorization": f"Bearer {token}", "X-Device-Id": device}
        self.client.cookiejar.clear()

    def _post(self, path: str, name: str, body: dict[str, object], *, idempotent: bool = False) -> dict | None:
        headers = dict(self.headers)
        if idempotent:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            return response.json()

    def checkout(self) -> None:
        self._next_shopper()
        piece_id = next(PIECES, None)
        if piece_id is None:
            raise SystemExit("The benchmark ran out of pieces to buy (raise bench_targets --pieces)")
        if self._post("/api/v1/cart/items", "1 add to cart", {"piece_id": piece_id}) is None:
            return
        body = {"delivery": {"method": "ship", "address": ADDRESS}}
        order = self._post("/api/v1/checkout", "2 place order", body, idempotent=True)
        if order is None:
            self.client.delete("/api/v1/cart", headers=self.headers, name="(empty the cart after a failure)")
            return
        path = f"/api/v1/orders/{order['number']}/payments"
        payment = self._post(path, "3 create payment", {"provider": "sandbox"}, idempotent=True)
        if payment is None:
            return
        raw, signature = signed_callback(payment)
        headers = {"Content-Type": "application/json", "Auric-Sandbox-Signature": signature}
        with self.client.post(
            "/api/v1/payments/sandbox/webhook",
            data=raw,
            headers=headers,
            name="4 payment callback",
            catch_response=True,
        ) as response:
            if response.status_code != 201 or response.json().get("outcome") != "applied":
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    @task
    def scenario(self) -> None:
        if SCENARIO in ("checkout", "checkout_paced", "checkout_light", "checkout_plain"):
            self.checkout()
        elif SCENARIO == "bare":
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
