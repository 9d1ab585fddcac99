"""Hand-written statements: several tables inserted at once, all or nothing."""

import pytest
from django.db import IntegrityError, connections, transaction
from django.test.utils import CaptureQueriesContext

from auric import privacy
from auric.core import sql
from auric.privacy.models import BlindIndex, ContactSegment, PersonalValue
from auric.privacy.vault import vault_alias

pytestmark = pytest.mark.django_db


def _value(token: str) -> PersonalValue:
    return PersonalValue(token=token, kind="phone", masked="138****5678")


def _segment(token: str, owner: PersonalValue) -> ContactSegment:
    return ContactSegment(token=token, record=owner, ciphertext=b"c", wrapped_key=b"k", kek_id="test")


def test_rows_of_several_tables_referring_to_each_other_go_in_together():
    owner = _value("pv_sql_owner")
    sql.insert_all(
        [[owner], [_segment("sg_sql_a", owner)], [BlindIndex(kind="phone", digest="d" * 64, record=owner)]],
        using=vault_alias(),
    )
    assert PersonalValue.objects.filter(token="pv_sql_owner").exists()
    assert ContactSegment.objects.get(token="sg_sql_a").record_id == "pv_sql_owner"
    assert BlindIndex.objects.filter(record_id="pv_sql_owner").count() == 1
    assert owner._state.adding is False


def test_a_failing_table_leaves_none_of_the_others():
    taken = _value("pv_sql_taken")
    sql.insert_all([[taken], [_segment("sg_sql_taken", taken)]], using=vault_alias())
    newcomer = _value("pv_sql_new")
    with pytest.raises(IntegrityError):
        # The segment's token is already used: the whole call is refused, the new value too.
        sql.insert_all([[newcomer], [_segment("sg_sql_taken", newcomer)]], using=vault_alias())
    assert not PersonalValue.objects.filter(token="pv_sql_new").exists()


def test_storing_a_parcel_costs_the_vault_one_statement_on_postgresql():
    vault = connections[vault_alias()]
    with CaptureQueriesContext(vault) as statements:
        stored = privacy.store_many([("phone", "13812345678"), ("name", "张三")])
    assert [privacy.reveal(token, "ship_parcel", actor="system: test") for token, _ in stored] == [
        "13812345678",
        "张三",
    ]
    if vault.vendor == "postgresql":
        writes = [q for q in statements.captured_queries if "INSERT" in q["sql"]]
        assert len(writes) == 1, [q["sql"][:80] for q in statements.captured_queries]


def test_nothing_to_insert_is_no_statement():
    with CaptureQueriesContext(connections[vault_alias()]) as statements:
        sql.insert_all([[], []], using=vault_alias())
    assert len(statements) == 0


@pytest.mark.django_db
def test_copy_insert_and_in_values_on_either_database() -> None:
    from auric.core.sql import copy_insert, in_values
    from auric.provenance.models import Submission

    copy_insert([Submission(source=f"s{n}") for n in range(300)])
    wanted = [f"s{n}" for n in range(0, 300, 7)] + ["missing"]
    found = set(Submission.objects.filter(in_values("source", wanted)).values_list("source", flat=True))
    assert found == set(wanted) - {"missing"}
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert([Submission(source="s1")])
