"""The rate limiter itself: rates, windows, atomic counting under concurrency, who the client is."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import RequestFactory

from auric.core.ratelimit import Rate, client_ip, client_key, hit, parse_rules


def test_rates_read_as_count_per_unit_with_an_optional_multiple():
    assert Rate.parse("10/m") == Rate(limit=10, window=60)
    assert Rate.parse("100/h") == Rate(limit=100, window=3600)
    assert Rate.parse("5/10s") == Rate(limit=5, window=10)
    assert Rate.parse(" 2 / d ") == Rate(limit=2, window=86400)


@pytest.mark.parametrize("text", ["", "10", "10/x", "0/m", "-1/m", "10/0m", "ten/m"])
def test_malformed_rates_are_refused(text):
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_rules_match_by_method_and_path():
    (rule,) = parse_rules([("POST", r"^/api/v1/auth/", "auth", "10/m")])

    assert rule.matches("POST", "/api/v1/auth/token")
    assert not rule.matches("GET", "/api/v1/auth/token")
    assert not rule.matches("POST", "/api/v1/cart")


def test_a_star_matches_every_method():
    (rule,) = parse_rules([("*", r"^/search$", "search", "10/m")])
    assert rule.matches("GET", "/search") and rule.matches("POST", "/search")


def locmem() -> LocMemCache:
    return LocMemCache("ratelimit-test", {})


def test_requests_within_the_limit_pass_and_the_next_one_is_refused_until_the_window_ends():
    cache, rate, now = locmem(), Rate(limit=3, window=60), 1_000_040.0  # 20 s into a window

    verdicts = [hit("b", "c", rate, backend=cache, now=now) for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 40
    assert hit("b", "c", rate, backend=cache, now=now + 40).allowed  # a new window


def test_clients_and_buckets_are_counted_apart():
    cache, rate = locmem(), Rate(limit=1, window=60)

    assert hit("auth", "ip:a", rate, backend=cache).allowed
    assert hit("auth", "ip:b", rate, backend=cache).allowed
    assert hit("search", "ip:a", rate, backend=cache).allowed
    assert not hit("auth", "ip:a", rate, backend=cache).allowed


def _hammer(cache, *, threads: int, calls: int, rate: Rate) -> int:
    start = threading.Barrier(threads)
    now = time.time()
    now = now - now % rate.window + 1  # well inside one window, whatever the wall clock says

    def worker() -> int:
        start.wait()
        return sum(hit("burst", "ip:x", rate, backend=cache, now=now).allowed for _ in range(calls))

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(lambda _: worker(), range(threads)))


def test_concurrent_workers_never_let_more_than_the_limit_through_on_local_memory():
    assert _hammer(locmem(), threads=16, calls=25, rate=Rate(limit=50, window=3600)) == 50


# --- Redis ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_cache(redis_url):
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(redis_url, {})
    cache.clear()
    return cache


def test_concurrent_workers_never_let_more_than_the_limit_through_on_redis(redis_cache):
    assert _hammer(redis_cache, threads=16, calls=25, rate=Rate(limit=50, window=3600)) == 50


def test_a_redis_counter_always_carries_its_expiry(redis_cache):
    rate = Rate(limit=5, window=60)
    now = 1_000_020.0

    hit("auth", "ip:a", rate, backend=redis_cache, now=now)
    hit("auth", "ip:a", rate, backend=redis_cache, now=now)

    key = redis_cache.make_and_validate_key(f"rl:auth:ip:a:{int(now // 60)}")
    client = redis_cache._cache.get_client(key)
    assert int(client.get(key)) == 2
    assert 0 < client.ttl(key) <= 61


# --- who is asking ----------------------------------------------------------------------------

rf = RequestFactory()


def test_the_client_ip_is_remote_addr_and_a_forwarded_header_is_ignored_without_trusted_proxies(settings):
    settings.AURIC_RATE_TRUSTED_PROXIES = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"


def test_behind_one_trusted_proxy_the_address_it_appended_counts_not_what_the_client_wrote(settings):
    settings.AURIC_RATE_TRUSTED_PROXIES = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"


def test_behind_two_trusted_proxies_the_outer_proxys_view_counts(settings):
    settings.AURIC_RATE_TRUSTED_PROXIES = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2")
    assert client_ip(request) == "198.51.100.7"


@pytest.mark.django_db
def test_a_signed_in_account_is_its_own_client():
    from django.contrib.auth.models import AnonymousUser

    from auric.accounts.models import User

    user = User.objects.create_user(username="mei", password="x" * 12)
    request = rf.get("/search", REMOTE_ADDR="203.0.113.9")
    request.user = user
    assert client_key(request) == f"user:{user.pk}"
    request.user = AnonymousUser()
    assert client_key(request).startswith("ip:")


@pytest.mark.django_db
def test_a_valid_bearer_token_counts_as_its_account_and_a_made_up_one_as_the_ip():
    from django.contrib.auth.models import AnonymousUser

    from auric.accounts.models import User
    from auric.accounts.services import issue_api_token

    user = User.objects.create_user(username="lin", password="x" * 12)
    issued = issue_api_token(user=user, name="phone")
    good = rf.get("/api/v1/search", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    forged = rf.get("/api/v1/search", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer aur.abc.def")
    plain = rf.get("/api/v1/search", REMOTE_ADDR="203.0.113.9")
    for request in (good, forged, plain):
        request.user = AnonymousUser()

    assert client_key(good) == f"user:{user.pk}"
    assert client_key(forged) == client_key(plain)
