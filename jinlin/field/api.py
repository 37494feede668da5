"""REST API of the field app (/api/field/…). Every write honours `Idempotency-Key`
(core.idempotency) and is also safe to repeat on its own (services)."""

from datetime import date, datetime

from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status as Reply

from jinlin.cases.models import Case
from jinlin.core import policy
from jinlin.core.models import OrgUnit

from . import selectors, services
from .models import Patrol

router = Router(tags=["field"])

ErrorOut = dict


class FieldPatrolIn(Schema):
    client_key: str
    patrol_type: str
    started_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None


class TrackPointsIn(Schema):
    points: list[list[float]]


class StopIn(Schema):
    ended_at: datetime | None = None
    checks: dict[str, str] = {}
    note: str = ""


class FindingIn(Schema):
    case_id: int
    item: str = ""


def patrol_out(patrol: Patrol) -> dict:
    return {
        "id": patrol.pk,
        "client_key": patrol.client_key,
        "patrol_type": patrol.patrol_type,
        "grid_id": patrol.grid_id,
        "started_at": patrol.started_at,
        "ended_at": patrol.ended_at,
        "points": len(patrol.track),
        "checks": patrol.checks,
        "note": patrol.note,
        "findings": [{"case_id": f.case_id, "item": f.item} for f in patrol.findings.all()],
    }


def _mine(request, client_key: str) -> Patrol:
    patrol = Patrol.objects.filter(worker=request.user, client_key=client_key).first()
    if patrol is None:
        raise Http404
    return patrol


@router.get("/field/checklists")
def checklists(request):
    """The checklist of each patrol type (双巡三查) for the caller's community."""
    return selectors.checklists_for(selectors.community_of(services.worker_grid(request.user)))


@router.post("/field/patrols", response={200: dict, 201: dict, 403: ErrorOut, 422: ErrorOut})
def patrol_start(request, payload: FieldPatrolIn):
    """Start a patrol (the phone chooses `client_key`; the same key again answers the same patrol)."""
    patrol, created = services.patrol_start(actor=request.user, **payload.dict())
    return Reply(201 if created else 200, patrol_out(patrol))


@router.post("/field/patrols/{client_key}/points", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def patrol_points(request, client_key: str, payload: TrackPointsIn):
    """Add track points [[unix seconds, lat, lng], …]; points already there are skipped."""
    patrol = services.patrol_track_add(actor=request.user, patrol=_mine(request, client_key), points=payload.points)
    return Reply(200, patrol_out(patrol))


@router.post("/field/patrols/{client_key}/stop", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def patrol_stop(request, client_key: str, payload: StopIn):
    patrol = services.patrol_stop(actor=request.user, patrol=_mine(request, client_key), **payload.dict())
    return Reply(200, patrol_out(patrol))


@router.post("/field/patrols/{client_key}/findings", response={201: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def patrol_finding(request, client_key: str, payload: FindingIn):
    """Link a case filed on the patrol (POST /api/cases first) to it."""
    patrol = _mine(request, client_key)
    case = Case.objects.filter(pk=payload.case_id).first()
    if case is None:
        raise Http404
    finding = services.finding_add(actor=request.user, patrol=patrol, case=case, item=payload.item)
    return Reply(201, {"patrol": patrol.client_key, "case_id": finding.case_id, "item": finding.item})


@router.get("/field/patrols")
def patrol_day(request, day: date | None = None):
    """The caller's day log: their patrols of one day (today by default)."""
    return [patrol_out(p) for p in selectors.day_log(request.user, day or timezone.localdate())]


@router.get("/field/coverage", response={200: dict, 403: ErrorOut, 404: ErrorOut})
def coverage(request, grid: str, week: date | None = None):
    """Share of a grid walked in a week (cells of 50 m within 50 m of a patrol's track)."""
    unit = OrgUnit.objects.filter(code=grid).first()
    if unit is None:
        raise Http404
    policy.require(request.user, "field.coverage.view", unit)
    found = selectors.coverage_of(unit, selectors.week_start(week or timezone.localdate()))
    return {
        "grid": unit.code,
        "week": found.week,
        "cells": found.cells,
        "walked": found.walked,
        "percent": found.percent,
        "patrols": found.patrols,
        "km": found.km,
    }


@router.get("/field/map-data")
def map_data(request):
    """The caller's grid boundary and its active cases (GeoJSON), for the map carried offline."""
    grid = services.worker_grid(request.user)
    return selectors.map_data(grid, list(selectors.worker_cases(request.user, grid)))
