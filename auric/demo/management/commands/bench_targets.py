"""`manage.py bench_targets --out FILE`: the URLs the benchmark drives, as JSON, read from the DB.

Product slugs (a seeded sample of live styles), category slugs with the facet filters that have
results in each, search queries, the catalog size for the report, and for the checkout scenario a
shuffled list of pieces a shopper can buy online right now (each bought once: a run consumes them). Runs before the load test
so locust never queries the database itself.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auric.accounts.models import User
from auric.accounts.services import issue_api_token
from auric.catalog import search
from auric.catalog.models import Category, Piece, Style
from auric.checkout.models import CartLine, PriceLock
from auric.demo import data
from auric.inventory.models import PieceStatus, PieceStock
from auric.orders.models import Order
from auric.risk.context import device_hash
from auric.risk.models import DeviceSighting

# Facets a shopper clicks on a category page (GET parameter per facet name).
FACET_PARAMS = {
    "metal": "metal",
    "fineness": "fineness",
    "gem": "gem",
    "carat": "carat_range",
    "price": "price_range",
    "cert_lab": "cert_lab",
    "in_stock_online": "in_stock_online",
    "store": "store",
}


class Command(BaseCommand):
    help = "Write the benchmark's target URLs (slugs, categories with facets, queries) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True)
        parser.add_argument("--slugs", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--pieces", type=int, default=5000, help="pieces for the checkout scenario")
        parser.add_argument(
            "--shoppers", type=int, default=3000, help="accounts (with API tokens) for the checkout; each buys once"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        live = list(Style.objects.filter(status=Style.Status.LIVE).values_list("slug", "popularity"))
        # Most popular first: the product scenario draws from them with Zipf weights by rank.
        sample = sorted(rng.sample(live, min(options["slugs"], len(live))), key=lambda row: -row[1])
        slugs = [slug for slug, _ in sample]
        categories: dict[str, list[list[str]]] = {}
        for slug in Category.objects.values_list("slug", flat=True):
            result = search.browse(filters=search.BrowseFilters(category=slug), per_page=1)
            if not result.total:
                continue
            filters = []
            for facet, values in result.facets.items():
                param = FACET_PARAMS.get(facet)
                if param:
                    filters += [[param, v.value] for v in values if v.count > 0 and not v.selected]
            categories[slug] = filters
        buyable = list(
            PieceStock.objects.filter(
                status=PieceStatus.AVAILABLE,
                location__sells_online=True,
                location__is_active=True,
                piece__style__status=Style.Status.LIVE,
                piece__style__is_customised=False,
                piece__price__isnull=False,
                # Orders at or above the step-up threshold need a person at a passkey prompt (D2, D4).
                piece__price__lt=Decimal(str(settings.AURIC_STEP_UP_THRESHOLD)) * Decimal("0.9"),
            ).values_list("piece_id", flat=True)[: options["pieces"] * 4]
        )
        if len(buyable) < options["pieces"]:
            # Earlier runs on the kept catalog bought the rest: a short list would run out mid-run and
            # turn into "not available" errors that measure the harness, not the shop.
            raise CommandError(
                f"only {len(buyable)} buyable pieces left (need {options['pieces']}): rebuild the catalog",
                returncode=3,
            )
        rng.shuffle(buyable)
        # Accounts exist before the run: registering costs a deliberately slow password hash, which
        # is not what the checkout scenario measures. Each run issues fresh tokens. Each order is
        # another shopper's, as in a real shop: one account buying all day long would (rightly) meet
        # the daily large-purchase checks (D4) and the risk engine's velocity rule. They are returning
        # customers on their usual device (an account of a year, a device seen before): a new account
        # on a new device buying a ¥30,000 piece is asked to step up, which needs a person.
        now = timezone.now()
        wanted = options["shoppers"]
        shoppers = User.objects.filter(username__startswith="bench-shopper-")
        # Only accounts that bought nothing in the last day (an earlier run today spent them): more are made.
        bought = Order.objects.filter(placed_at__gte=now - timedelta(days=1), user__isnull=False).values("user_id")
        fresh = shoppers.exclude(pk__in=bought)
        missing = wanted - fresh.count()
        if missing > 0:
            start = shoppers.count()
            User.objects.bulk_create(
                User(
                    username=f"bench-shopper-{n:06d}",
                    password=make_password(None),
                    date_joined=now - timedelta(days=400),
                )
                for n in range(start, start + missing)
            )
        shoppers.filter(date_joined__gt=now - timedelta(days=400)).update(date_joined=now - timedelta(days=400))
        users = list(fresh.order_by("username")[:wanted])
        # A run stopped mid-order leaves pieces in some carts; each order starts from an empty cart.
        PriceLock.objects.filter(cart__user__in=users).delete()
        CartLine.objects.filter(cart__user__in=users).delete()
        devices = [f"bench-device-{user.username}" for user in users]
        DeviceSighting.objects.bulk_create(
            [
                DeviceSighting(
                    device=device_hash(device), user=user, first_seen=now - timedelta(days=300), last_seen=now, times=12
                )
                for user, device in zip(users, devices, strict=True)
            ],
            ignore_conflicts=True,
        )
        tokens = [issue_api_token(user=user, name="benchmark").secret for user in users]
        targets = {
            "slugs": slugs,
            "categories": categories,
            "queries": list(data.SEARCH_QUERIES),
            "styles": Style.objects.count(),
            "live_styles": len(live),
            "pieces": Piece.objects.count(),
            "checkout_pieces": buyable[: options["pieces"]],
            "checkout_tokens": tokens,
            "checkout_devices": devices,
        }
        Path(options["out"]).write_text(json.dumps(targets, ensure_ascii=False, indent=1))
        self.stdout.write(
            f"{len(slugs)} slugs, {len(categories)} categories, {len(data.SEARCH_QUERIES)} queries, "
            f"{len(buyable[: options['pieces']])} pieces to buy"
        )
