"""Inventory API: where the shops are, and where a style can be bought or seen now.

Thin: `inventory.selectors.availability_by_location` counts; this module shapes. Only locations
that are active are shown, and a location's stock figures never include cost.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from auric.api import READ_ERRORS, DecimalStr, Page, PageQuery, errors, page_of
from auric.catalog.api import SLUG_PATTERN, live_style
from auric.inventory.models import Location
from auric.inventory.selectors import availability_by_location

router = Router(tags=["inventory"])


class LocationOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    city: str
    city_en: str
    address: str
    latitude: DecimalStr | None
    longitude: DecimalStr | None
    opening_hours: str
    phone: str
    sells_online: bool


def location_out(location: Location) -> LocationOut:
    return LocationOut(
        code=location.code,
        name=location.name,
        name_en=location.name_en,
        kind=location.kind,
        city=location.city,
        city_en=location.city_en,
        address=location.address,
        latitude=location.latitude,
        longitude=location.longitude,
        opening_hours=location.opening_hours,
        phone=location.phone,
        sells_online=location.sells_online,
    )


class LocationList(Page):
    items: list[LocationOut]


class LocationQuery(Schema):
    kind: Location.Kind = Field(Location.Kind.STORE, description="store (default) or warehouse")
    city: str | None = Field(None, max_length=60, pattern=r"^[^\x00]*$", description="City, Chinese or English")


@router.get("/inventory/locations", response={200: LocationList, **READ_ERRORS}, summary="Stores (and warehouses)")
def list_locations(request: HttpRequest, query: Query[LocationQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    rows = Location.objects.filter(is_active=True, kind=query.kind)
    if query.city:
        from django.db.models import Q

        rows = rows.filter(Q(city=query.city) | Q(city_en__iexact=query.city))
    result = page_of(rows.order_by("city_en", "city", "code"), paging)
    result["items"] = [location_out(location) for location in result["items"]]
    return result


class LocationAvailabilityOut(Schema):
    location: LocationOut
    available_pieces: int
    available_quantity: int = Field(..., description="Units of non-serialized variants")
    total: int


class Availability(Schema):
    style: str
    available_count: int = Field(..., description="Over all active locations")
    online_count: int = Field(..., description="What can be bought online now")
    locations: list[LocationAvailabilityOut]


@router.get(
    "/inventory/availability",
    response={200: Availability, 404: errors(404)[404], **READ_ERRORS},
    summary="Where a style is available",
)
def style_availability(
    request: HttpRequest, style: str = Query(..., pattern=SLUG_PATTERN, description="Style slug")
) -> Availability:
    found = live_style(style)
    rows = availability_by_location(style=found)
    return Availability(
        style=found.slug,
        available_count=sum(row.total for row in rows),
        online_count=sum(row.total for row in rows if row.location.sells_online),
        locations=[
            LocationAvailabilityOut(
                location=location_out(row.location),
                available_pieces=row.available_pieces,
                available_quantity=row.available_quantity,
                total=row.total,
            )
            for row in rows
        ],
    )
