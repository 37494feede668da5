"""The centre's lines of `jinlin bench`: room bookings and activity registrations through the API
under load, at whatever scale is seeded (a centre per street and a station per community are
added first if the data have none, as the demo has them).

- booking: POST /api/bookings at a fixed concurrency; each request asks for the next slot of the
  next room, so most are taken (201) and a slot asked for again is refused (409 with the slot):
  both are correct answers and count; a 422 (the per-person limit) is counted apart;
- registration: POST /api/activities/{id}/register over the coming activities (a place or the
  waitlist; a second registration by the same person returns the first: 200).
"""

import json
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.utils import timezone

from jinlin.centre.models import Activity, Booking, Centre, Registration, Room

SLOT_HOURS = range(9, 19)  # one-hour slots, 9:00 … 18:00 starts; the centres open 8:30–21:00


def prepare(stderr=None) -> dict:
    """Centres for the seeded tree (the demo's seed), and what the phases will book and join."""
    from jinlin.centre.demo import seed_centre_demo

    if not Centre.objects.exists():
        seed_centre_demo(stdout=stderr)
    rooms = list(Room.objects.filter(is_active=True, requires_approval=False).values_list("pk", flat=True))
    activities = list(
        Activity.objects.filter(is_cancelled=False, audience="all", start__gt=timezone.now() + timedelta(hours=2))
        .order_by("start")
        .values_list("pk", flat=True)[:2000]
    )
    return {"rooms": rooms, "activities": activities, "centres": Centre.objects.count()}


def booking_request(tokens: list[str], rooms: list[int]) -> Callable[[int], tuple]:
    tz = timezone.get_default_timezone()
    today = timezone.localdate()

    def make(i: int):
        room = rooms[i % len(rooms)]
        k = i // len(rooms)
        day = today + timedelta(days=1 + (k // len(SLOT_HOURS)) % 28)
        start = datetime.combine(day, time(SLOT_HOURS[k % len(SLOT_HOURS)]), tzinfo=tz)
        body = {
            "room_id": room,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=45)).isoformat(),
            "purpose": "bench",
        }
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}", "Content-Type": "application/json"}
        return ("POST", "/api/bookings", json.dumps(body).encode(), headers)

    return make


def registration_request(tokens: list[str], activities: list[int]) -> Callable[[int], tuple]:
    def make(i: int):
        activity = activities[(i * 7) % len(activities)]
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}", "Content-Type": "application/json"}
        return ("POST", f"/api/activities/{activity}/register", b"{}", headers)

    return make


def run_phases(port: int, tokens: list[str], *, concurrency: int, seconds: float, budget: int, stderr=None) -> dict:
    """Both phases against the running server; returns their summaries and what they wrote."""
    from . import load

    data = prepare(stderr)
    out: dict = {"centres": data["centres"], "rooms": len(data["rooms"]), "activities": len(data["activities"])}
    if not data["rooms"] or not data["activities"] or not tokens:
        out["skipped"] = "no rooms, coming activities or residents to act as"
        return out
    before = Booking.objects.count(), Registration.objects.count()
    booking = load.closed_loop(
        "booking",
        port,
        booking_request(tokens, data["rooms"]),
        concurrency=concurrency,
        seconds=seconds,
        max_requests=budget,
        expect={201, 409},
    )
    registration = load.closed_loop(
        "registration",
        port,
        registration_request(tokens, data["activities"]),
        concurrency=concurrency,
        seconds=seconds,
        max_requests=budget,
        expect={200},
    )
    out["booking"] = booking.summary()
    out["booking"]["created"] = Booking.objects.count() - before[0]
    out["booking"]["refused_409"] = booking.statuses.get(409, 0)
    out["registration"] = registration.summary()
    out["registration"]["created"] = Registration.objects.count() - before[1]
    # The guarantee, checked after the storm: no two live bookings of a room overlap.
    out["booking"]["overlaps"] = overlapping_pairs()
    return out


def overlapping_pairs() -> int:
    live = Booking.objects.filter(status__in=["pending", "confirmed"]).order_by("room_id", "start")
    pairs, last_room, last_until = 0, None, None
    for room_id, start, busy_until in live.values_list("room_id", "start", "busy_until").iterator():
        if room_id == last_room and last_until is not None and start < last_until:
            pairs += 1
        if room_id != last_room or last_until is None or busy_until > last_until:
            last_until = busy_until
        last_room = room_id
    return pairs
