"""One case lived from intake to `until` through the state machine's actions and the sweeper's."""

from bisect import bisect_right
from typing import TYPE_CHECKING

from jinlin.cases import sla
from jinlin.cases.machine import ACTIVE, OPEN, Status, check
from jinlin.cases.models import (
    Case,
    CaseReporter,
    EscalationRole,
    EscalationTarget,
    Tier,
    TimelineEntry,
)
from jinlin.cases.timeline import timeline_row

from .spec import MINUTE, GridPlan, _local_iso

if TYPE_CHECKING:
    from .generator import ScaleGenerator


def _cumulative(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(options, r: float):
    total = sum(w for _o, w in options)
    r *= total
    for option, weight in options:
        r -= weight
        if r < 0:
            return option
    return options[-1][0]


class _Merged:
    """What a later duplicate needs to know about an earlier case to be merged into it."""

    __slots__ = ("id", "created", "end", "history", "followers")

    def __init__(self, sim: "_Sim"):
        self.id = sim.id
        self.created = sim.created
        self.end = sim.end
        self.history = sim.history  # [(at, status, owner unit)] after each entry
        self.followers = set(sim.followers)

    def state_at(self, at: int) -> tuple[str, int]:
        i = bisect_right(self.history, (at, "\uffff")) - 1
        return self.history[i][1], self.history[i][2]


class _Sim:
    """One case lived step by step: its fields, its timeline, and the SLA sweeper's minute ticks."""

    def __init__(self, gen: "ScaleGenerator", created: int, grid: GridPlan):
        self.gen = gen
        self.id = gen.ids[Case]()
        self.created = created
        self.grid = grid
        self.status = ""
        self.owner_unit = None
        self.owner_user = None
        self.category = None
        self.tier = Tier.NORMAL
        self.due_at = self.urge_at = self.supervision_due_at = None
        self.urged_at = self.overdue_marked_at = self.overdue_since = None
        self.overdue_count = self.tier_raised = 0
        self.resolved_level = self.result = self.rating = self.rating_comment = ""
        self.rated_at = self.rating_deadline = self.merged_into = self.published_at = None
        self.resolved_at = self.closed_at = None
        self.updated = created
        self.reporter = None
        self.entries = []
        self.history = []
        self.followers = {}  # user → [id, via_case, added_at, rating, comment, rated_at]
        # [id, unit, role, due_at, created_at, created_by, reported_at, reported_by, urged_at, reporter, report_at]
        self.targets = []
        self.pending = []  # human side steps scheduled for later: (at, seq, action, actor, unit, extra)
        self.seq = 0
        self.tick = -1  # the last sweeper tick applied, and the last step in it
        self.step = 99
        self.end = None  # when it reached a terminal state
        self.stopped = False
        self.static = {}

    # -- fields and entries

    def fields(self, **values):
        self.static.update(values)
        self.category = values["category"]
        self.tier = values["tier"]
        self.reporter = values["reporter"]

    def set(self, **values):
        for name, value in values.items():
            setattr(self, name, value)

    def act(self, action, at, actor, unit, *, to=None, note="", data=None):
        source = self.status
        gen = self.gen
        row = timeline_row(
            self.id, action, source, to=to, actor_id=actor, actor_unit_id=unit, owner_unit_id=self.owner_unit,
            at=at, note=note, data=data,
        )  # fmt: skip
        target = self.status = row[3]
        gen.buffers[TimelineEntry].append((gen.ids[TimelineEntry](), *row))
        if not self.history or self.history[-1][1:] != (target, self.owner_unit):
            self.history.append((at, target, self.owner_unit))
        if target != source:
            self.updated = at
            if target in {Status.CLOSED, Status.REJECTED, Status.MERGED}:
                self.end = at

    def dispatch(self, route, at, dispatcher, centre):
        _kind, unit, _handlers, _unit_kind, _parent = route
        action = "transfer" if self.status == Status.DISPATCHED else "dispatch"
        data = {"unit": unit, "user": None, "from_unit": self.owner_unit}
        self.set(owner_unit=unit, owner_user=None)
        self.act(action, at, dispatcher, centre, data=data)

    def rework(self, at):
        """返工: a new limit from now, the rating window closed (services._rework_fields)."""
        due, urge = self.gen.calendar.deadlines(at, self.gen.limit(self.category, self.tier))
        self.set(
            due_at=due,
            urge_at=urge,
            supervision_due_at=None,
            overdue_since=None,
            resolved_at=None,
            rating_deadline=None,
        )

    def merge_into(self, target: _Merged, at, dispatcher, centre):
        status, owner = target.state_at(at)
        self.set(merged_into=target.id, closed_at=at)
        self.act("merge", at, dispatcher, centre, data={"into": target.id})
        gen = self.gen
        number = self.static["number"]
        row = timeline_row(
            target.id, "absorb", status, actor_id=dispatcher, actor_unit_id=centre, owner_unit_id=owner, at=at,
            data={"case": self.id, "number": number},
        )  # fmt: skip
        gen.buffers[TimelineEntry].append((gen.ids[TimelineEntry](), *row))
        if self.reporter is not None and self.reporter not in target.followers:
            target.followers.add(self.reporter)
            gen.buffers[CaseReporter].append(
                (gen.ids[CaseReporter](), target.id, self.reporter, self.id, gen.w.ts(at), "", "", None)
            )

    def later(self, at, action, actor, unit, **extra):
        self.seq += 1
        self.pending.append((at, self.seq, action, actor, unit, extra))
        self.pending.sort()

    # -- time

    def until(self, at: int) -> bool:
        """Bring the case up to the moment `at` (sweeper ticks and side steps before it); False if
        `at` lies after `until`, and the case stops there."""
        if self.stopped:
            return False
        if at > self.gen.until:
            self.stopped = True
            return False
        self.advance(at)
        # A person acting at `at`: every later sweeper tick comes after it.
        minute = at - at % MINUTE
        if (minute, 99) > (self.tick, self.step):
            self.tick, self.step = minute, 99
        return True

    def _tick_for(self, moment: int, step: int) -> int:
        tick = -(-moment // MINUTE) * MINUTE  # the sweeper runs on every whole minute
        if tick < self.tick or (tick == self.tick and step <= self.step):
            tick = self.tick if step > self.step else self.tick + MINUTE
        return tick

    def _next_sweep(self):
        best = None
        status = self.status
        if status in ACTIVE:
            if self.urge_at is not None and (self.urged_at is None or self.urged_at < self.urge_at):
                tick = self._tick_for(self.urge_at, 0)
                if self.limit_now > tick:
                    best = (tick, 0, None)
            if self.overdue_marked_at is None or self.overdue_marked_at < self.limit_now:
                candidate = (self._tick_for(self.limit_now, 1), 1, None)
                if best is None or candidate < best:
                    best = candidate
        elif status == Status.RESOLVED and self.rating_deadline is not None:
            best = (self._tick_for(self.rating_deadline, 2), 2, None)
        if status in OPEN:
            for i, target in enumerate(self.targets):
                if target[6] is None and target[8] is None:
                    candidate = (self._tick_for(target[3], 3), 3, i)
                    if best is None or candidate[:2] < best[:2]:
                        best = candidate
        return best

    def advance(self, until: int) -> None:
        """Apply the sweeper's ticks and the scheduled side steps up to and including `until`."""
        while True:
            sweep = self._next_sweep()
            side = self.pending[0] if self.pending else None
            if sweep is not None and sweep[0] <= until and (side is None or sweep[0] <= side[0]):
                self._sweep(*sweep)
            elif side is not None and side[0] <= until:
                self.pending.pop(0)
                self._side(*side)
            else:
                return

    @property
    def limit_now(self) -> int:
        """As the sweeper: the supervision limit once the case ran over, else its 办理时限."""
        return self.supervision_due_at if self.supervision_due_at is not None else self.due_at

    def _sweep(self, tick: int, step: int, target_index) -> None:
        self.tick, self.step = tick, step
        gen = self.gen
        if step == 0:  # 中心催单
            self.urged_at = tick
            self.act("urge", tick, None, None, data={"auto": True, "due_at": _local_iso(self.limit_now)})
        elif step == 1:  # overdue; the second time, 提级催办
            count = self.overdue_count + 1
            old_tier = self.tier
            new_tier = sla.tier_after_overdue(old_tier, count)
            due, urge = gen.calendar.deadlines(tick, gen.limit(self.category, new_tier))
            data = {"due_at": _local_iso(self.limit_now), "overdue_count": count, "next_due_at": _local_iso(due)}
            self.set(
                overdue_count=count,
                overdue_marked_at=tick,
                overdue_since=self.overdue_since if self.overdue_since is not None else tick,
                supervision_due_at=due,
                urge_at=urge,
                tier=new_tier,
                tier_raised=self.tier_raised + (new_tier != old_tier),
            )
            self.act("overdue", tick, None, None, data=data)
            if new_tier != old_tier:
                self.act("raise_tier", tick, None, None, data={"from": old_tier, "to": new_tier})
        elif step == 2:  # the rating window ended unrated
            self.closed_at = tick
            self.act("expire", tick, None, None, data={"auto": True})
        else:  # a unit called in by a whistle has not reported in time
            target = self.targets[target_index]
            target[8] = tick
            self.act("urge", tick, None, None, data={"auto": True, "escalation_unit": target[1]})

    def _side(self, at, _seq, action, actor, unit, extra) -> None:
        if not _allowed(action, self.status):
            return
        minute = at - at % MINUTE
        if action == "escalate":
            targets = extra["targets"]
            lead = next(t[1] for t in targets if t[2] == EscalationRole.LEAD)
            data = {"units": [t[1] for t in targets], "lead": lead, "report_by": _local_iso(targets[0][3])}
            self.act("escalate", at, actor, unit, data=data)
            self.targets = targets
            for i, target in enumerate(targets):
                self.later(target[10], "report_in", target[9], target[1], index=i)
        elif action == "report_in":
            target = self.targets[extra["index"]]
            target[6], target[7] = at, actor
            self.act("report_in", at, actor, unit, data={"unit": unit, "late": at > target[3]})
        else:
            self.act(action, at, actor, unit, note=extra.get("note", ""))
        if (minute, 99) > (self.tick, self.step):
            self.tick, self.step = minute, 99

    # -- output

    def emit(self) -> None:
        gen, w = self.gen, self.gen.w
        s = self.static
        ts = w.ts
        gen.buffers[Case].append(
            (
                self.id, s["number"], s["kind"], s["title"], s["description"], self.category, self.tier, self.status,
                s["channel"], s["reporter"], s["submitted_by"], s["contact_name"], s["contact_phone"], s["lat"],
                s["lng"], s["address"], s["place_label"], self.grid.unit_id, self.grid.community.unit_id,
                self.grid.code, self.owner_unit, self.owner_user, ts(self.due_at), ts(self.urge_at), ts(self.urged_at),
                ts(self.overdue_marked_at), ts(self.overdue_since), self.overdue_count, self.tier_raised,
                self.resolved_level, self.result, self.rating, self.rating_comment, ts(self.rated_at),
                ts(self.rating_deadline), self.merged_into, ts(self.published_at), ts(self.created), ts(self.updated),
                ts(self.resolved_at), ts(self.closed_at), ts(self.supervision_due_at),
            )
        )  # fmt: skip
        for user, (row_id, via, added, rating, comment, rated) in self.followers.items():
            gen.buffers[CaseReporter].append((row_id, self.id, user, via, ts(added), rating, comment, ts(rated)))
        for t in self.targets:
            gen.buffers[EscalationTarget].append(
                (t[0], self.id, t[1], t[2], ts(t[3]), ts(t[4]), t[5], ts(t[6]), t[7], ts(t[8]))
            )
        if self.status not in {Status.REJECTED, Status.MERGED}:
            gen.open_by_key[(self.grid.index, self.category)] = _Merged(self)


def _allowed(action: str, status: str) -> bool:
    try:
        check(action, status)
    except Exception:  # TransitionNotAllowed: the case moved on before the side step came due
        return False
    return True
