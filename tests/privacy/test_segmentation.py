"""Segments and zero trust: no single store — commerce DB, vault DB, key files — holds a person."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from auric import privacy
from auric.checkout.shipping import DeliveryChoice
from auric.orders.services import place_order
from auric.privacy import keys
from auric.privacy.models import SEGMENT_MODELS, AreaSegment, ContactSegment, IdentitySegment, StreetSegment
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db

SEARCHED = ("name", "phone", "street", "id_number", "email", "detail")


def test_an_address_is_split_across_segments_each_under_its_own_data_key():
    token = privacy.store("address", person_address())
    rows = [
        model.objects.get(record_id=token) for model in (AreaSegment, IdentitySegment, ContactSegment, StreetSegment)
    ]
    assert len({row.token for row in rows}) == 4 and all(row.token.startswith("sg_") for row in rows)
    assert len({bytes(row.wrapped_key) for row in rows}) == 4
    provider = keys.key_provider()
    data_keys = set()
    for model_segment, row in zip(("area", "identity", "contact", "street"), rows, strict=True):
        aad = privacy_aad(token, model_segment, row.token)
        data_keys.add(provider.unwrap(row.kek_id, bytes(row.wrapped_key), context=aad))
    assert len(data_keys) == 4


def privacy_aad(token: str, segment: str, segment_token: str) -> bytes:
    from auric.privacy.crypto import associated_data

    return associated_data(kind="address", segment=segment, owner=token, segment_token=segment_token)


def test_scalar_kinds_go_to_their_segment():
    name, phone = privacy.store("name", PERSON["name"]), privacy.store("phone", PERSON["phone"])
    assert IdentitySegment.objects.filter(record_id=name).exists()
    assert ContactSegment.objects.filter(record_id=phone).exists()
    assert not ContactSegment.objects.filter(record_id=name).exists()


def _dump(alias: str) -> list[str | bytes]:
    """Every cell of every table of one database, as text or bytes."""
    connection = connections[alias]
    cells: list[str | bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                for cell in row:
                    if isinstance(cell, memoryview | bytearray):
                        cell = bytes(cell)
                    cells.append(cell if isinstance(cell, bytes) else str(cell))
    return cells


def _found(needle: str, cells: list[str | bytes]) -> bool:
    forms = {needle, json.dumps(needle)[1:-1]}  # plain, and as JSON text with \\u escapes
    for cell in cells:
        if isinstance(cell, bytes):
            if any(form.encode() in cell for form in forms):
                return True
        elif any(form in cell for form in forms):
            return True
    return False


def test_no_single_store_holds_the_persons_plaintext(shopper, gold_piece, cart_of):
    # Given the person bought a piece shipped to them and their identity was verified
    order = place_order(cart=cart_of(shopper, gold_piece), user=shopper, delivery=DeliveryChoice.ship(person_address()))
    id_token = privacy.store("id_number", PERSON["id_number"])
    email_token = privacy.store("email", PERSON["email"])
    assert privacy.reveal(order.address_token, "ship_parcel", actor="system")["street"] == PERSON["street"]
    assert privacy.find("id_number", PERSON["id_number"]) == [id_token]
    assert privacy.find("email", PERSON["email"]) == [email_token]

    # When each store is dumped alone
    commerce, vault = _dump("default"), _dump("vault")
    key_dir = Path(settings.VAR_DIR) / "vault-keys"
    key_files = [path.read_bytes() for path in key_dir.iterdir()]
    assert commerce and vault and key_files
    assert settings.DATABASES["vault"]["NAME"] != settings.DATABASES["default"]["NAME"]

    # Then none of them contains any of the person's values
    for field in SEARCHED:
        assert not _found(PERSON[field], commerce), f"{field} found in the commerce database"
        assert not _found(PERSON[field], vault), f"{field} found in the vault database"
        assert not _found(PERSON[field], key_files), f"{field} found in the key files"
    # …while the tokens tie the order to the vault and the masked forms are all the commerce side shows
    assert _found(order.address_token, commerce) and _found(order.address_token, vault)
    assert order.phone_masked == "139****0987" and _found("139****0987", commerce)


def test_the_vault_database_holds_only_privacy_tables_and_commerce_none():
    vault_tables = set(connections["vault"].introspection.table_names())
    commerce_tables = set(connections["default"].introspection.table_names())
    privacy_tables = {model._meta.db_table for model in SEGMENT_MODELS.values()} | {"privacy_personalvalue"}
    assert privacy_tables <= vault_tables
    assert not {t for t in commerce_tables if t.startswith("privacy_")}
    assert not {t for t in vault_tables if t.startswith(("orders_", "auth_", "accounts_"))}
