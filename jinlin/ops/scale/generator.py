"""The generator of places, people and cases (see the package's docstring)."""

import json
import math
import random
from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from shapely.geometry import shape

from jinlin.cases import sla
from jinlin.cases.machine import Status
from jinlin.cases.models import (
    STAFF_CHANNELS,
    Case,
    CaseKind,
    CaseNumberSequence,
    CaseReporter,
    Category,
    Channel,
    EscalationRole,
    EscalationTarget,
    LimitUnit,
    Rating,
    Tier,
    TimelineEntry,
)
from jinlin.cases.rules import resolved_level_of
from jinlin.cases.sla import SlaCalendar
from jinlin.core.demo import (
    CENTRE_LAT,
    CENTRE_LNG,
    CITY_NAME,
    COMMUNITY_HEIGHT_DEG,
    COMMUNITY_WIDTH_DEG,
    ESTATE_PREFIXES,
    ESTATE_SUFFIXES,
    PROPERTY_COMPANIES,
    _grid_cells,
    _People,
    _point_in,
    _rect,
)
from jinlin.core.grids import area_m2
from jinlin.core.models import Grid, OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.workcalendar import WORKING_DAY, is_working_day

from .sim import _cumulative, _pick, _Sim
from .spec import (
    ALL_DEPARTMENTS,
    CASE_FIELDS,
    CATEGORY_TREE,
    CHANNEL_WEIGHTS,
    COMMENTS,
    DAY,
    DESCRIPTION_TAILS,
    DISTRICT_NAMES,
    HOUR,
    HOUR_WEIGHTS,
    MINUTE,
    PLACE_WORDS,
    RATING_WINDOW_US,
    REJECT_REASONS,
    REPORT_IN_US,
    REPORTER_FIELDS,
    RESULTS,
    RETURN_REASONS,
    ROLE_FIELDS,
    SATISFIED_COMMENTS,
    TARGET_FIELDS,
    TIMELINE_FIELDS,
    TZ_OFFSET_US,
    UNIT_FIELDS,
    UNSATISFIED_COMMENTS,
    USER_FIELDS,
    CommunityPlan,
    DistrictPlan,
    GridPlan,
    ScaleSpec,
    _Ids,
    _largest_remainder,
    _phone,
    _td_us,
    _us,
)
from .writer import BulkWriter, Table

# ---------------------------------------------------------------------------------------------
# The generator


class ScaleGenerator:
    """Yields (Table, rows) batches for a scale; pure given the seed, `until` and the categories."""

    CHUNK_CASES = 20_000
    CHUNK_USERS = 50_000

    def __init__(self, spec: ScaleSpec, *, seed: int, until: datetime, writer: BulkWriter):
        self.spec = spec
        self.seed = seed
        self.rng = random.Random(seed)
        self.people = _People(self.rng)
        self.until = _us(until)
        self.start = self.until - spec.history_days * DAY
        self.w = writer
        self.ids = {m: _Ids(m) for m in (OrgUnit, User, RoleAssignment, Case, CaseReporter, TimelineEntry)}
        self.ids[EscalationTarget] = _Ids(EscalationTarget)
        self.person_index = 0
        self.phone_salt = self.rng.randrange(10**8)
        first_day = timezone.localtime(until).date() - timedelta(days=spec.history_days + 2)
        self.calendar = SlaCalendar(first_day, timezone.localtime(until).date() + timedelta(days=400))
        self.book = sla.PolicyBook()
        self.tables = {
            OrgUnit: Table(OrgUnit, UNIT_FIELDS),
            Grid: Table(Grid, ["unit", "boundary", "area_m2", "updated_at"]),
            User: Table(User, USER_FIELDS, encrypted=("phone",)),
            RoleAssignment: Table(RoleAssignment, ROLE_FIELDS),
            Case: Table(Case, CASE_FIELDS, encrypted=("contact_phone", "address")),
            TimelineEntry: Table(TimelineEntry, TIMELINE_FIELDS),
            CaseReporter: Table(CaseReporter, REPORTER_FIELDS),
            EscalationTarget: Table(EscalationTarget, TARGET_FIELDS),
            CaseNumberSequence: Table(CaseNumberSequence, ["day", "last"]),
        }
        self._load_categories()

    # ------------------------------------------------------------------ categories

    def _load_categories(self):
        known = {row[0]: row for row in CATEGORY_TREE}
        self.categories = {}  # id → (code, top code, department number, default tier, titles)
        leaves, weights, patrol = [], [], []
        rows = list(
            Category.objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", "code", "name", "parent_id", "default_tier")
        )
        parents = {row[3] for row in rows if row[3]}
        codes = {row[0]: row[1] for row in rows}
        for pk, code, name, parent_id, tier in rows:
            spec = known.get(code)
            top = codes.get(parent_id, code)
            titles = (spec[7] if spec else []) or [f"{name}问题反映"]
            self.categories[pk] = (code, top.split(".")[0], spec[3] if spec else None, tier, titles)
            if pk in parents:
                continue
            leaves.append(pk)
            weights.append(spec[5] if spec else 1)
            patrol.append(spec[6] if spec else 0)
        if not leaves:
            raise ValueError("There are no case categories to seed cases with.")
        self.leaves = leaves
        self.leaf_cum = _cumulative(weights)
        self.patrol_cum = _cumulative(patrol) if any(patrol) else self.leaf_cum
        self.limits = {}

    def limit(self, category_id, tier) -> sla.Limit:
        key = (category_id, tier)
        if key not in self.limits:
            self.limits[key] = self.book.limit(category_id, tier)
        return self.limits[key]

    # ------------------------------------------------------------------ places and people

    def _unit(self, rows, kind, code, name, parent=None, *, grid=None, place=None, lat=None, lng=None, address=""):
        unit_id = self.ids[OrgUnit]()
        rows.append(
            (unit_id, kind, code, name, parent, grid, place, lat, lng, address, self.w.ts(self.start - 30 * DAY))
        )
        return unit_id

    def _person(self, rows, roles_rows, name, roles, *, joined=None):
        user_id = self.ids[User]()
        phone = _phone(self.person_index, self.phone_salt)
        self.person_index += 1
        rng = self.rng
        joined = joined if joined is not None else self.start - rng.randrange(1, 900) * DAY - rng.randrange(DAY)
        rows.append(
            (
                user_id,
                f"!{rng.getrandbits(160):040x}",  # unusable: only the prefix "!" matters to Django
                User.digest_phone(phone),
                phone,
                name,
                rng.random() < 0.08,  # large text (适老化)
                self.w.ts(joined),
            )
        )
        created = self.w.ts(joined)
        for role, org in roles:
            roles_rows.append((self.ids[RoleAssignment](), user_id, role, org, created))
        return user_id

    def places_and_people(self):
        """Org units, grid boundaries, staff and residents; fills the plans the cases need."""
        spec, rng, people = self.spec, self.rng, self.people
        units, staff, roles = [], [], []
        self.districts, self.grids = [], []
        grid_boundaries = []
        street_words = rng.sample(PLACE_WORDS, len(PLACE_WORDS))
        cols = min(spec.districts, 5)
        block_w = spec.communities * COMMUNITY_WIDTH_DEG
        block_h = spec.streets * COMMUNITY_HEIGHT_DEG
        rows_of_blocks = math.ceil(spec.districts / cols)
        west0 = CENTRE_LNG - cols * block_w / 2
        north0 = CENTRE_LAT + rows_of_blocks * block_h / 2
        estate_names = [p + s for p in ESTATE_PREFIXES for s in ESTATE_SUFFIXES]

        def hire(role, org, count=1):
            return [self._person(staff, roles, people.name(), [(role, org)]) for _n in range(count)]

        # A city of several districts has its own level (市) above them, with its command centre and
        # discipline office; a district alone is the top of its tree.
        city_id = centre_c = discipline_c = None
        if spec.districts > 1:
            city_id = self._unit(
                units, OrgKind.CITY, "3501", CITY_NAME, lat=CENTRE_LAT, lng=CENTRE_LNG, address=CITY_NAME
            )
            centre_c = self._unit(units, OrgKind.COMMAND_CENTRE, "3501C01", f"{CITY_NAME}社会治理综合指挥中心", city_id)
            discipline_c = self._unit(units, OrgKind.DISCIPLINE, "3501J01", f"{CITY_NAME}纪委监委", city_id)
        for d in range(spec.districts):
            code = f"3501{d + 2:02d}"
            name = DISTRICT_NAMES[d % len(DISTRICT_NAMES)] + ("" if d < len(DISTRICT_NAMES) else str(d))
            west = round(west0 + (d % cols) * block_w, 6)
            north = round(north0 - (d // cols) * block_h, 6)
            district_id = self._unit(
                units, OrgKind.DISTRICT, code, name, city_id, lat=north - block_h / 2, lng=west + block_w / 2,
                address=CITY_NAME + name,
            )  # fmt: skip
            centre = self._unit(units, OrgKind.COMMAND_CENTRE, f"{code}C01", f"{name}社会治理综合指挥中心", district_id)
            discipline = self._unit(units, OrgKind.DISCIPLINE, f"{code}J01", f"{name}纪委监委", district_id)
            self._unit(units, OrgKind.POLICE_STATION, f"{code}S01", f"{CITY_NAME}公安局{name[:-1]}分局", district_id)
            departments = {}
            for i, dept in enumerate(ALL_DEPARTMENTS, start=1):
                unit = self._unit(units, OrgKind.DEPARTMENT, f"{code}B{i:02d}", dept, district_id)
                departments[i] = (unit, hire(Role.DEPARTMENT_HANDLER, unit, 3))
            for i, company in enumerate(PROPERTY_COMPANIES, start=1):
                self._unit(units, OrgKind.PROPERTY_COMPANY, f"{code}W{i:02d}", company, district_id)
            plan = DistrictPlan(
                district_id, code, name, centre, discipline,
                dispatcher_ids=hire(Role.DISPATCHER, centre, 3),
                supervisor_ids=hire(Role.DISCIPLINE_SUPERVISOR, discipline, 2),
                departments=departments,
            )  # fmt: skip
            hire(Role.PLATFORM_ADMIN, district_id)
            self.districts.append(plan)
            for s in range(spec.streets):
                street_code = f"{code}{s + 1:03d}"
                street_name = street_words[(d * spec.streets + s) % len(street_words)] + "街道"
                street = self._unit(
                    units, OrgKind.STREET, street_code, street_name, district_id, address=CITY_NAME + name + street_name
                )
                self._unit(
                    units, OrgKind.PARTY_COMMITTEE, f"{street_code}P01", f"中共{street_name}工作委员会", street,
                    place=street,
                )  # fmt: skip
                station = self._unit(
                    units, OrgKind.POLICE_STATION, f"{street_code}S01", f"{street_name[:-2]}派出所", street
                )
                officer = hire(Role.POLICE_OFFICER, station)[0]
                community_words = rng.sample(PLACE_WORDS, spec.communities)
                for c in range(spec.communities):
                    community_code = f"{street_code}{c + 1:03d}"
                    community_name = community_words[c] + "社区"
                    road = community_words[c] + "路"
                    x0 = round(west + c * COMMUNITY_WIDTH_DEG, 6)
                    x1 = round(west + (c + 1) * COMMUNITY_WIDTH_DEG, 6)
                    y1 = round(north - s * COMMUNITY_HEIGHT_DEG, 6)
                    y0 = round(north - (s + 1) * COMMUNITY_HEIGHT_DEG, 6)
                    community_id = self._unit(
                        units, OrgKind.COMMUNITY, community_code, community_name, street,
                        lat=round((y0 + y1) / 2, 6), lng=round((x0 + x1) / 2, 6),
                        address=f"{CITY_NAME}{name}{street_name}{road}1号",
                    )  # fmt: skip
                    self._unit(
                        units, OrgKind.PARTY_ORG, f"{community_code}P01", f"中共{community_name}委员会", community_id,
                        place=community_id,
                    )  # fmt: skip
                    community = CommunityPlan(
                        community_id, community_code, community_name, plan, station, officer,
                        staff_ids=hire(Role.COMMUNITY_STAFF, community_id, 3), grids=[],
                    )  # fmt: skip
                    hire(Role.POLICE_OFFICER, community_id)
                    estate_number = 0
                    for g, cell in enumerate(_grid_cells(rng, x0, y0, x1, y1), start=1):
                        grid_code = f"{community_code}{g:03d}"
                        grid_id = self._unit(
                            units, OrgKind.GRID, grid_code,
                            f"{community_name.removesuffix('社区')}第{'一二三四五六七八九十'[g - 1]}网格", community_id,
                            lat=round((cell[1] + cell[3]) / 2, 6), lng=round((cell[0] + cell[2]) / 2, 6),
                        )  # fmt: skip
                        boundary = _rect(*cell)
                        grid_boundaries.append(
                            (grid_id, json.dumps(boundary), area_m2(shape(boundary)), self.w.ts(self.start - 30 * DAY))
                        )
                        grid = GridPlan(len(self.grids), grid_id, grid_code, cell, community, estates=[])
                        grid.worker_id = hire(Role.GRID_WORKER, grid_id)[0]
                        grid.weight = rng.uniform(0.5, 1.5)
                        grid.entrances = []  # (entrance id, building id, estate index)
                        for _e in range(1 + (rng.random() < 0.5)):
                            estate_number += 1
                            estate_code = f"{community_code}E{estate_number:02d}"
                            estate_name = rng.choice(estate_names)
                            lat, lng = _point_in(rng, cell, 0.35, 0.65)
                            address = f"{CITY_NAME}{name}{street_name}{road}{rng.randrange(2, 300)}号"
                            estate = self._unit(
                                units, OrgKind.ESTATE, estate_code, estate_name, community_id, grid=grid_id,
                                lat=lat, lng=lng, address=address,
                            )  # fmt: skip
                            office = self._unit(
                                units, OrgKind.PROPERTY_COMPANY, f"{estate_code}W01",
                                f"{rng.choice(PROPERTY_COMPANIES)}{estate_name}服务中心", estate, place=estate,
                            )  # fmt: skip
                            rep = hire(Role.PROPERTY_REP, office)[0]
                            grid.estates.append((estate, estate_name, address, office, rep))
                            for b in range(1, rng.randint(3, 6) + 1):
                                building_code = f"{estate_code}B{b:02d}"
                                blat, blng = _point_in(rng, cell)
                                building = self._unit(
                                    units, OrgKind.BUILDING, building_code, f"{estate_name}{b}号楼", estate,
                                    grid=grid_id, lat=blat, lng=blng, address=f"{address}{b}号楼",
                                )  # fmt: skip
                                for u in range(1, rng.randint(1, 2) + 1):
                                    entrance = self._unit(
                                        units, OrgKind.ENTRANCE, f"{building_code}U{u:02d}",
                                        f"{estate_name}{b}号楼{u}单元", building, grid=grid_id, lat=blat, lng=blng,
                                        address=f"{address}{b}号楼{u}单元",
                                    )  # fmt: skip
                                    grid.entrances.append((entrance, building, len(grid.estates) - 1))
                        community.grids.append(grid)
                        self.grids.append(grid)
        if city_id is not None:
            # The city's administration, command centre and discipline office are bound to the
            # city level and reach every district below it (core.scope).
            hire(Role.PLATFORM_ADMIN, city_id)
            hire(Role.DISPATCHER, centre_c, 2)
            hire(Role.DISCIPLINE_SUPERVISOR, discipline_c)
        yield self.tables[OrgUnit], units
        yield self.tables[Grid], grid_boundaries
        yield self.tables[User], staff
        yield self.tables[RoleAssignment], roles
        self.staff_count = len(staff)

        # Residents, grid by grid, so a grid's residents have consecutive ids (cases pick from them).
        counts = _largest_remainder(spec.residents, [g.weight for g in self.grids])
        users, roles = [], []
        joined_base = self.start
        for grid, count in zip(self.grids, counts, strict=True):
            grid.first_resident = self.ids[User].next
            grid.residents = count
            heads = set()
            for k in range(count):
                entrance, building, _estate = grid.entrances[k % len(grid.entrances)]
                person_roles = [(Role.RESIDENT, entrance)]
                if building not in heads:  # 一员多责: one 楼栋长 per building
                    heads.add(building)
                    person_roles.append((Role.BUILDING_HEAD, building))
                if rng.random() < 0.05:
                    person_roles.append((Role.VOLUNTEER, grid.community.unit_id))
                joined = joined_base + rng.randrange(-900, 600) * DAY + rng.randrange(DAY)
                self._person(users, roles, people.name(), person_roles, joined=joined)
                if len(users) >= self.CHUNK_USERS:
                    yield self.tables[User], users
                    yield self.tables[RoleAssignment], roles
                    users, roles = [], []
        yield self.tables[User], users
        yield self.tables[RoleAssignment], roles
        self.grid_cum = _cumulative([g.weight * max(g.residents, 1) for g in self.grids])
        self.levels = {}

    # ------------------------------------------------------------------ cases

    def cases(self):
        """Every case lived from intake to `until`, chunk by chunk, in order of intake."""
        rng, spec = self.rng, self.spec
        days = spec.history_days
        local_until = timezone.localtime(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=self.until))
        last_day = local_until.date()
        weights = []
        for i in range(days + 1):
            day = last_day - timedelta(days=days - i)
            trend = 0.8 + 0.4 * i / days  # steady growth as more residents use the platform
            season = 1 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
            week = 1.1 if is_working_day(day) else 0.75
            # The last day only up to `until`.
            share = 1.0 if i < days else max(local_until.hour * 60 + local_until.minute, 1) / 1440
            weights.append(trend * season * week * share)
        per_day = _largest_remainder(spec.cases, weights)
        hour_cum = _cumulative(HOUR_WEIGHTS)
        self.open_by_key = {}  # (grid, category) → merge candidate
        self.buffers = {Case: [], TimelineEntry: [], CaseReporter: [], EscalationTarget: []}
        self.sequences = []
        tz = timezone.get_default_timezone()
        for i, count in enumerate(per_day):
            day = last_day - timedelta(days=days - i)
            midnight = _us(datetime.combine(day, datetime.min.time(), tzinfo=tz))
            limit = min(DAY, self.until - midnight)
            moments = []
            for _n in range(count):
                hour = bisect_right(hour_cum, rng.random() * hour_cum[-1])
                moment = midnight + hour * HOUR + rng.randrange(HOUR)
                moments.append(min(moment, midnight + limit - 1))
            moments.sort()
            for seq, moment in enumerate(moments, start=1):
                self._case(moment, f"{day:%Y%m%d}{seq:05d}")
            if count:
                self.sequences.append((day.isoformat(), count))
            if len(self.buffers[Case]) >= self.CHUNK_CASES:
                yield from self._flush()
        yield from self._flush()
        yield self.tables[CaseNumberSequence], self.sequences

    def _flush(self):
        ts, dumps = self.w.ts, json.dumps
        timeline = self.buffers[TimelineEntry]
        # Timeline entries are kept raw while a case is lived (µs, dicts) and formatted here.
        self.buffers[TimelineEntry] = [(*r[:8], ts(r[8]), r[9], dumps(r[10]) if r[10] else "{}") for r in timeline]
        for model in (Case, CaseReporter, TimelineEntry, EscalationTarget):
            rows = self.buffers[model]
            if rows:
                yield self.tables[model], rows
            self.buffers[model] = []

    def _level(self, unit_id: int, kind: str, parent_kind: str | None) -> str:
        key = (kind, parent_kind)
        if key not in self.levels:
            parent = OrgUnit(kind=parent_kind) if parent_kind else None
            self.levels[key] = resolved_level_of(OrgUnit(kind=kind, parent=parent))
        return self.levels[key]

    def _case(self, created: int, number: str) -> None:
        rng = self.rng
        grid = self.grids[bisect_right(self.grid_cum, rng.random() * self.grid_cum[-1])]
        community = grid.community
        district = community.district
        channel = _pick(CHANNEL_WEIGHTS, rng.random())
        patrol = channel == Channel.GRID_PATROL
        cum = self.patrol_cum if patrol else self.leaf_cum
        category_id = self.leaves[bisect_right(cum, rng.random() * cum[-1])]
        code, top, dept_number, default_tier, titles = self.categories[category_id]
        sim = _Sim(self, created, grid)

        # Who brings it in (点单), as case_submit decides reporter and submitter.
        resident = None
        if grid.residents:
            k = rng.randrange(grid.residents)
            if rng.random() < 0.25:  # a few residents report far more often than the rest
                k = k % max(1, grid.residents // 20)
            resident = grid.first_resident + k
            estate_index = grid.entrances[k % len(grid.entrances)][2]
        else:
            estate_index = rng.randrange(len(grid.estates))
        estate_id, estate_name, estate_address, office_id, office_rep = grid.estates[estate_index]
        contact_name = contact_phone = address = ""
        lat = lng = None
        recorder_unit = None
        if patrol:
            actor = reporter = grid.worker_id
            lat, lng = _point_in(rng, grid.cell)
        elif channel in STAFF_CHANNELS:
            if channel == Channel.HOTLINE_12345:
                actor, recorder_unit = rng.choice(district.dispatcher_ids), district.centre_id
            else:
                actor, recorder_unit = rng.choice(community.staff_ids), community.unit_id
            reporter = resident if resident is not None and rng.random() < 0.7 else None
            if reporter is None:
                contact_name = self.people.name()
                contact_phone = _phone(self.spec.residents + 100_000 + rng.randrange(10**6), self.phone_salt)
            if rng.random() < 0.3:
                lat, lng = _point_in(rng, grid.cell)
        else:
            actor = reporter = resident
            if rng.random() < 0.7:
                lat, lng = _point_in(rng, grid.cell)
            if rng.random() < 0.5:
                building, entrance, floor = rng.randint(1, 6), rng.randint(1, 2), rng.randint(1, 18)
                address = f"{estate_address}{building}号楼{entrance}单元{floor}0{rng.randint(1, 4)}"
        if reporter is None and actor is None:  # a grid without residents: the worker saw it
            actor = reporter = grid.worker_id
            channel, patrol = Channel.GRID_PATROL, True
        # A resident often leaves the category to the dispatcher; staff always choose one.
        initial_category = category_id if (patrol or channel in STAFF_CHANNELS or rng.random() < 0.7) else None
        tier = default_tier if initial_category else Tier.NORMAL
        title = rng.choice(titles)
        place_label = estate_name if not patrol else community.name
        sim.fields(
            number=number,
            kind=CaseKind.EVENT if patrol else CaseKind.REQUEST,
            title=title,
            description=f"{place_label}{title}，{rng.choice(DESCRIPTION_TAILS)}",
            category=initial_category,
            tier=tier,
            channel=channel,
            reporter=reporter,
            submitted_by=actor,
            contact_name=contact_name,
            contact_phone=contact_phone,
            lat=lat,
            lng=lng,
            address=address,
            place_label=place_label,
        )
        sim.owner_unit = district.centre_id
        sim.due_at, sim.urge_at = self.calendar.deadlines(created, self.limit(initial_category, tier))
        if reporter is not None:
            sim.followers[reporter] = [self.ids[CaseReporter](), None, created, "", "", None]
        sim.act(
            "submit", created, actor, recorder_unit if actor != reporter else None,
            data={"channel": str(channel), "on_behalf": actor != reporter},
        )  # fmt: skip
        self._live(sim, category_id, top, dept_number, office_id, office_rep)
        sim.advance(self.until)
        sim.emit()

    def _delay(self, median_seconds: float, sigma: float = 0.8) -> int:
        return int(self.rng.lognormvariate(math.log(median_seconds), sigma) * 1_000_000)

    def _route(self, top: str, dept_number, district, community, grid, office_id, office_rep, exclude=None):
        """(unit, handler ids, kind, parent kind) where the dispatcher sends it (属地属事)."""
        rng = self.rng
        options = []
        if top == "property":
            options = [("office", 0.6), ("dept", 0.15), ("community", 0.25)]
        elif dept_number is None:
            options = [("community", 0.8), ("grid", 0.2)]
        else:
            options = [("dept", 0.6), ("community", 0.2), ("grid", 0.2)]
        options = [o for o in options if o[0] != exclude] or [("community", 1)]
        choice = _pick(options, rng.random())
        if choice == "office":
            return choice, office_id, [office_rep], OrgKind.PROPERTY_COMPANY, OrgKind.ESTATE
        if choice == "dept":
            unit, handlers = district.departments[dept_number or 2]
            return choice, unit, handlers, OrgKind.DEPARTMENT, OrgKind.DISTRICT
        if choice == "grid":
            return choice, grid.unit_id, [grid.worker_id], OrgKind.GRID, OrgKind.COMMUNITY
        return "community", community.unit_id, community.staff_ids, OrgKind.COMMUNITY, OrgKind.STREET

    def _staff_hours(self, moment: int) -> int:
        """The command centre works 8:00–22:00 every day: a case in the night waits for the morning."""
        local = (moment + TZ_OFFSET_US) % DAY
        if 8 * HOUR <= local < 22 * HOUR:
            return moment
        wait = (8 * HOUR - local) % DAY
        return moment + wait + self.rng.randrange(30 * MINUTE)

    def _live(self, sim: "_Sim", category_id, top, dept_number, office_id, office_rep) -> None:
        """The human steps of the loop; each runs only if it happens before `until`."""
        rng, grid = self.rng, sim.grid
        community, district = grid.community, grid.community.district
        dispatcher = rng.choice(district.dispatcher_ids)
        centre = district.centre_id

        # 受理 / 不予受理 / 合并: the command centre reads it.
        at = self._staff_hours(sim.created + self._delay(15 * 60))
        if not sim.until(at):
            return
        key = (grid.index, category_id)
        candidate = self.open_by_key.get(key)
        if (
            candidate is not None
            and candidate.created > sim.created - 3 * DAY
            and (candidate.end is None or candidate.end > at)
            and rng.random() < 0.35
        ):
            sim.merge_into(candidate, at, dispatcher, centre)
            return
        if rng.random() < 0.03:
            reason = rng.choice(REJECT_REASONS)
            sim.set(result=reason, closed_at=at)
            sim.act("reject", at, dispatcher, centre, note=reason)
            return
        fields = {}
        if sim.category != category_id:
            tier = self.categories[category_id][3]
            due, urge = self.calendar.deadlines(sim.created, self.limit(category_id, tier))
            fields = {"category": category_id, "tier": tier, "due_at": due, "urge_at": urge}
        sim.set(**fields)
        sim.act("accept", at, dispatcher, centre)

        # 派单, sometimes 转派 before anyone takes it.
        route = self._route(top, dept_number, district, community, grid, office_id, office_rep)
        at += self._delay(10 * 60)
        if not sim.until(at):
            return
        sim.dispatch(route, at, dispatcher, centre)
        if rng.random() < 0.04:
            route = self._route(top, dept_number, district, community, grid, office_id, office_rep, exclude=route[0])
            at += self._delay(2 * 3600)
            if not sim.until(at):
                return
            sim.dispatch(route, at, dispatcher, centre)

        for cycle in range(3):
            # 接单 (or 退单 back to the centre, which sends it elsewhere).
            kind, unit, handlers, unit_kind, parent_kind = route
            if kind == "dept":
                at = self.calendar.add(at, self._delay(1.5 * 3600, 1.0))
            else:
                at += self._delay(1.5 * 3600, 1.0)
            if not sim.until(at):
                return
            handler = rng.choice(handlers)
            if cycle == 0 and rng.random() < 0.03:
                reason = rng.choice(RETURN_REASONS)
                sim.set(owner_unit=centre, owner_user=None)
                sim.act("return", at, handler, unit, note=reason, data={"from_unit": unit})
                route = self._route(top, dept_number, district, community, grid, office_id, office_rep, exclude=kind)
                at = self._staff_hours(at + self._delay(20 * 60))
                if not sim.until(at):
                    return
                sim.dispatch(route, at, dispatcher, centre)
                kind, unit, handlers, unit_kind, parent_kind = route
                at += self._delay(3600)
                if not sim.until(at):
                    return
                handler = rng.choice(handlers)
            sim.set(owner_user=handler)
            sim.act("claim", at, handler, unit)
            claimed = at

            # How long the work takes, as a share of the case's limit (median a third of it).
            limit = self.limit(sim.category, sim.tier)
            share = rng.lognormvariate(math.log(0.3), 0.7)
            if limit.unit == LimitUnit.NATURAL_HOURS:
                resolve_at = claimed + int(share * limit.amount * HOUR)
            else:
                resolve_at = self.calendar.add(claimed, int(share * limit.amount * _td_us(WORKING_DAY)))

            # Side steps while it is being handled: 吹哨 by a grid or community, notes, 督单 and 催单.
            if kind in {"grid", "community"} and rng.random() < 0.04:
                self._whistle(sim, claimed, resolve_at, handler, unit, dept_number, community)
            if rng.random() < 0.05:
                sim.later(claimed + self._delay(6 * 3600), "comment", handler, unit, note=rng.choice(COMMENTS))
            if sim.limit_now < resolve_at and rng.random() < 0.4:
                supervisor = rng.choice(district.supervisor_ids)
                sim.later(sim.limit_now + self._delay(4 * 3600), "supervise", supervisor, district.discipline_id)
            if rng.random() < 0.03:
                sim.later(claimed + self._delay(24 * 3600), "urge", dispatcher, centre)

            # 办结.
            if not sim.until(resolve_at):
                return
            at = resolve_at
            level = self._level(unit, unit_kind, parent_kind)
            result = RESULTS.get(top, RESULTS["other"])
            sim.set(result=result, resolved_at=at, rating_deadline=at + RATING_WINDOW_US, resolved_level=level)
            sim.set(overdue_since=None)
            sim.act("resolve", at, handler, unit, note=result)

            # 评单 / 回访, or nobody rates and the sweeper closes it when the window ends.
            late = sim.overdue_count > 0
            if cycle < 2 and rng.random() < 0.01:  # 核查 by the centre finds it not done
                at += self._delay(6 * 3600)
                if at < sim.rating_deadline:
                    if not sim.until(at):
                        return
                    sim.rework(at)
                    sim.act("reopen", at, dispatcher, centre, note="核查未通过")
                    route = self._reclaim_route(
                        route, top, dept_number, district, community, grid, office_id, office_rep
                    )
                    at = self._redispatch(sim, route, at, dispatcher, centre)
                    if at is None:
                        return
                    continue
            who = rng.random()
            if sim.reporter is not None and sim.reporter != grid.worker_id:
                action = "evaluate" if who < 0.65 else "visit" if who < 0.8 else None
            elif sim.reporter is not None:
                action = "evaluate" if who < 0.5 else None  # the grid worker checks his own event
            else:
                action = "visit" if who < 0.5 else None
            if action is None:
                return  # the sweeper expires it at the end of the window (advance does it)
            at += self._delay(8 * 3600, 1.0)
            if at >= sim.rating_deadline or not sim.until(at):
                return
            outcome = rng.random()
            unsatisfied = (0.15 if late else 0.03) if cycle < 2 else 0
            if outcome < unsatisfied:
                rating = Rating.UNSATISFIED
            elif outcome < unsatisfied + (0.15 if late else 0.07):
                rating = Rating.BASICALLY_SATISFIED
            else:
                rating = Rating.SATISFIED
            comment = rng.choice(UNSATISFIED_COMMENTS if rating == Rating.UNSATISFIED else SATISFIED_COMMENTS)
            if action == "evaluate":
                rater, rater_unit = sim.reporter, None
                follower = sim.followers.get(rater)
                if follower is not None:
                    follower[3:6] = [rating, comment, at]
            else:
                rater, rater_unit = rng.choice(community.staff_ids), community.unit_id
            sim.set(rating=rating, rating_comment=comment, rated_at=at)
            if rating == Rating.UNSATISFIED:
                sim.rework(at)
                sim.act(action, at, rater, rater_unit, to=Status.REOPENED, note=comment, data={"rating": rating})
                route = self._reclaim_route(route, top, dept_number, district, community, grid, office_id, office_rep)
                at = self._redispatch(sim, route, at, dispatcher, centre)
                if at is None:
                    return
                continue
            sim.set(closed_at=at)
            sim.act(action, at, rater, rater_unit, to=Status.CLOSED, note=comment, data={"rating": rating})
            break

        # 晒单: community staff publish a few closed cases.
        if sim.status == Status.CLOSED and rng.random() < 0.04:
            staff = rng.choice(community.staff_ids)
            at += self._delay(2 * 86400)
            if sim.until(at):
                sim.set(published_at=at)
                sim.act("publish", at, staff, community.unit_id)

    def _redispatch(self, sim, route, at, dispatcher, centre) -> int | None:
        """After 返工 the case stays with its unit, unless the centre sends it to another one."""
        if route[1] == sim.owner_unit:
            return at
        at += self._delay(3600)
        if not sim.until(at):
            return None
        sim.dispatch(route, at, dispatcher, centre)
        return at

    def _reclaim_route(self, route, top, dept_number, district, community, grid, office_id, office_rep):
        """After 返工 the same unit usually takes it again; sometimes the centre sends it elsewhere."""
        if self.rng.random() < 0.85:
            return route
        return self._route(top, dept_number, district, community, grid, office_id, office_rep, exclude=route[0])

    def _whistle(self, sim: "_Sim", claimed: int, resolve_at: int, actor, unit, dept_number, community) -> None:
        """吹哨: the department (lead) and the street's police station (helper) must report in (报到).

        Called-in units report before the case is resolved: the sweeper urges late units of any
        open case (resolved included), but the machine allows `urge` only while the SLA clock
        runs, so a unit still silent after 办结 would give a timeline the machine forbids (see
        docs/performance.md, "found on the way")."""
        at = min(claimed + self._delay(3 * 3600), resolve_at - 2 * HOUR)
        if at <= claimed:
            return
        district = community.district
        lead, lead_handlers = district.departments[dept_number or 2]
        helpers = [(lead, lead_handlers, EscalationRole.LEAD)]
        helpers.append((community.street_station_id, [community.street_officer_id], EscalationRole.HELPER))
        targets = []
        for target_unit, people, role in helpers:
            report_at = min(at + self._delay(5 * 3600, 1.0), resolve_at - MINUTE)
            targets.append([self.ids[EscalationTarget](), target_unit, role, at + REPORT_IN_US, at, actor, None, None,
                            None, self.rng.choice(people), report_at])  # fmt: skip
        sim.later(at, "escalate", actor, unit, targets=targets)
