"""Synthetic data at three scales for benchmarks: `jinlin seed --scale small|district|city [--seed N]`.

    small     1 district, 1 street, 4 communities, 20 grids,        3,000 residents,     4,000 cases
    district  1 district, 3 streets, 12 communities, 60 grids,     50,000 residents,   100,000 cases
    city      10 districts, 100 streets, 600 communities, 3,000 grids, 1,000,000 residents, 2,000,000 cases

Everything is generated from one random generator seeded with `--seed`, relative to one moment
(`until`, a whole minute; the command's `--until`, default now): the same seed and the same
`until` give the same rows (only the Fernet ciphertexts of phones and addresses differ, because
Fernet draws a random IV). Names, polygons and phone prefixes come from the demo district's
generators (core/demo.py).

Cases are not invented field by field: each one is *lived* from its intake to `until` through the
actions of the state machine (cases/machine.py, `check()` guards every step), with the field
changes the services make, the timeline entries they write, and what the SLA sweeper would have
done every minute in between (urge, overdue, raise tier, expire, urging late 报到) — with the same
SLA policies and working calendar. So a sweep run at `until` finds nothing left to do, the
metrics computed from the timeline mean something, and the tests check both.

Writing goes around the ORM and around the services (which audit every row): PostgreSQL gets
`COPY … FROM STDIN` (psycopg 3) with the big tables' foreign keys and secondary indexes dropped
for the load and rebuilt afterwards (one pass each, far faster than maintaining them row by row),
SQLite gets batched `executemany` inserts; all in one transaction, so a failed seed leaves
nothing behind. Rows are generated and written in chunks, so memory stays bounded. The run is
recorded as one `seed.scale` audit entry with its counts, like the demo seed.
"""

import json
import math
import random
import resource
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from shapely.geometry import shape

from jinlin.cases import sla
from jinlin.cases.machine import ACTIVE, OPEN, Status, check
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
    SlaPolicy,
    Tier,
    TimelineEntry,
)
from jinlin.cases.services import _level_of

from .audit import audit_record
from .crypto import encrypt
from .demo import (
    CENTRE_LAT,
    CENTRE_LNG,
    CITY_NAME,
    COMMUNITY_HEIGHT_DEG,
    COMMUNITY_WIDTH_DEG,
    DEPARTMENTS,
    ESTATE_PREFIXES,
    ESTATE_SUFFIXES,
    GRIDS_PER_COMMUNITY,
    MOBILE_PREFIXES,
    PROPERTY_COMPANIES,
    _grid_cells,
    _People,
    _point_in,
    _rect,
)
from .grids import area_m2, grid_index_invalidate
from .models import Grid, OrgKind, OrgUnit, Role, RoleAssignment, User
from .workcalendar import WORKING_DAY, WORKING_PERIODS, is_working_day

# ---------------------------------------------------------------------------------------------
# The scales


@dataclass(frozen=True)
class ScaleSpec:
    name: str
    districts: int
    streets: int  # per district
    communities: int  # per street
    residents: int
    cases: int
    history_days: int = 730

    @property
    def grids(self) -> int:
        return self.districts * self.streets * self.communities * GRIDS_PER_COMMUNITY


SCALES = {
    "small": ScaleSpec("small", districts=1, streets=1, communities=4, residents=3_000, cases=4_000),
    "district": ScaleSpec("district", districts=1, streets=3, communities=4, residents=50_000, cases=100_000),
    "city": ScaleSpec("city", districts=10, streets=10, communities=6, residents=1_000_000, cases=2_000_000),
}
DEFAULT_SEED = 2026

DISTRICT_NAMES = ["清溪区", "桂湖区", "松岭区", "榕城区", "闽江区", "鼓山区", "旗山区", "凤池区", "东湖区", "南台区"]
# The demo's eight departments (B01…B08) plus two that 12345 hotlines route to often.
EXTRA_DEPARTMENTS = ["区交通运输局", "区人力资源和社会保障局"]
ALL_DEPARTMENTS = DEPARTMENTS + EXTRA_DEPARTMENTS
PLACE_WORDS = [
    *ESTATE_PREFIXES,
    *"东西南北中新城".replace("", " ").split(),
    "文昌", "鼓楼", "温泉", "华林", "五一", "江滨", "白马", "双抛", "水部", "洪山",
]  # fmt: skip

MINUTE = 60_000_000  # microseconds
HOUR = 60 * MINUTE
DAY = 24 * HOUR
RATING_WINDOW_US = int(sla.RATING_WINDOW / timedelta(microseconds=1))
REPORT_IN_US = sla.REPORT_IN_HOURS * HOUR
TZ_OFFSET_US = 8 * HOUR  # Asia/Shanghai has no summer time (since 1991)


def _us(moment: datetime) -> int:
    """A timezone-aware moment as integer microseconds since the epoch (exact, unlike timestamp())."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _td_us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _local_iso(us: int) -> str:
    return (
        (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us))
        .astimezone(timezone.get_default_timezone())
        .isoformat()
    )


# ---------------------------------------------------------------------------------------------
# Working time by bisection


class FastCalendar:
    """`sla.deadlines` and `add_working_time` over a fixed span of days, in O(log n) per call.

    The working periods of every day in the span are read once from the working calendar
    (`is_working_day`, WORKING_PERIODS), so the answers are those of core.workcalendar to the
    microsecond (a test compares them); the generic functions walk day by day, which is fine for
    one case and too slow for two million.
    """

    def __init__(self, first: date, last: date):
        tz = timezone.get_default_timezone()
        self.begins, self.ends, self.cum = [], [], [0]
        day = first
        while day <= last:
            if is_working_day(day):
                for begin, end in WORKING_PERIODS:
                    b = _us(datetime.combine(day, begin, tzinfo=tz))
                    e = _us(datetime.combine(day, end, tzinfo=tz))
                    self.begins.append(b)
                    self.ends.append(e)
                    self.cum.append(self.cum[-1] + e - b)
            day += timedelta(days=1)

    def add(self, start: int, remaining: int) -> int:
        """The moment `remaining` µs of working time after `start` (add_working_time's rules)."""
        if remaining == 0:
            return start
        i = bisect_right(self.ends, start)  # the first period ending after start
        if i >= len(self.ends):
            raise ValueError("outside the span of the fast calendar")
        begin = max(self.begins[i], start)
        available = self.ends[i] - begin
        if available >= remaining:
            return begin + remaining
        target = remaining - available + self.cum[i + 1]
        j = bisect_left(self.cum, target) - 1
        if j >= len(self.begins):
            raise ValueError("outside the span of the fast calendar")
        return self.begins[j] + (target - self.cum[j])

    def deadlines(self, start: int, limit: sla.Limit) -> tuple[int, int]:
        """(due, urge) as sla.deadlines computes them, in µs."""
        natural = limit.unit == LimitUnit.NATURAL_HOURS
        if natural:
            due = start + _td_us(timedelta(hours=float(limit.amount)))
        else:
            due = self.add(start, _td_us(WORKING_DAY * float(limit.amount)))
        if limit.urge_before_hours is not None:
            urge = due - _td_us(timedelta(hours=limit.urge_before_hours))
        elif natural:
            urge = due - _td_us(timedelta(microseconds=due - start) * limit.urge_before_fraction)
        else:
            elapsed = WORKING_DAY * limit.amount * (1 - limit.urge_before_fraction)
            urge = self.add(start, _td_us(timedelta(hours=elapsed.total_seconds() / 3600)))
        return due, max(urge, start)


# ---------------------------------------------------------------------------------------------
# Categories and time limits (used when the database has none yet)

# (code, name, parent, department number B01… or None for the community, default tier, weight,
#  weight among grid-patrol events, titles)
CATEGORY_TREE = [
    ("property", "物业管理", None, 1, Tier.NORMAL, 0, 0, []),
    ("property.service", "物业服务", "property", 1, Tier.NORMAL, 8, 0, ["小区保洁不到位", "物业服务差", "物业不作为"]),
    ("property.elevator", "电梯故障", "property", 1, Tier.KEY, 4, 0, ["电梯经常停运", "电梯异响存在安全隐患"]),
    ("property.repair", "公共部位维修", "property", 1, Tier.NORMAL, 5, 0, ["楼道墙皮脱落", "单元门禁损坏", "屋顶漏水"]),
    ("property.fee", "物业收费", "property", 1, Tier.NORMAL, 2, 0, ["物业费收费不透明", "停车费上涨未公示"]),
    ("sanitation", "市容环卫", None, 2, Tier.NORMAL, 0, 0, []),
    ("sanitation.garbage", "垃圾清运", "sanitation", 2, Tier.NORMAL, 7, 5, ["垃圾桶满溢无人清运", "建筑垃圾长期堆放"]),
    ("sanitation.clutter", "乱堆乱放", "sanitation", 2, Tier.NORMAL, 4, 6, ["楼道堆放杂物", "空地乱堆废品"]),
    ("sanitation.vendor", "占道经营", "sanitation", 2, Tier.NORMAL, 3, 5, ["流动摊贩占道经营", "店铺出店经营"]),
    ("municipal", "市政设施", None, 2, Tier.NORMAL, 0, 0, []),
    ("streetlight", "路灯", "municipal", 2, Tier.NORMAL, 4, 3, ["路灯不亮", "路灯白天常亮"]),
    ("municipal.road", "道路破损", "municipal", 2, Tier.NORMAL, 3, 3, ["人行道砖块松动", "路面坑洼积水"]),
    ("municipal.manhole", "井盖缺失", "municipal", 2, Tier.KEY, 1, 2, ["井盖缺失", "井盖破损下沉"]),
    ("municipal.greening", "绿化养护", "municipal", 2, Tier.NORMAL, 2, 1, ["树枝遮挡路灯", "绿地被毁种菜"]),
    ("noise", "噪音扰民", None, 4, Tier.NORMAL, 0, 0, []),
    ("noise.construction", "施工噪音", "noise", 4, Tier.NORMAL, 3, 0, ["夜间施工噪音扰民", "装修噪音超时"]),
    ("noise.social", "社会生活噪音", "noise", 4, Tier.NORMAL, 4, 0, ["广场舞音响声音过大", "商铺促销喇叭扰民"]),
    ("water", "供水排水", None, 5, Tier.NORMAL, 0, 0, []),
    ("water.supply", "供水", "water", 5, Tier.NORMAL, 3, 0, ["小区停水未通知", "水压过低"]),
    ("water.drain", "排水", "water", 5, Tier.NORMAL, 3, 1, ["下水道堵塞返水", "雨水井堵塞"]),
    ("traffic", "交通停车", None, 9, Tier.NORMAL, 0, 0, []),
    ("traffic.parking", "乱停车", "traffic", 9, Tier.NORMAL, 5, 4, ["车辆堵塞消防通道", "小区门口乱停车"]),
    ("traffic.ebike", "电动车充电", "traffic", 8, Tier.KEY, 2, 2, ["电动车楼道充电", "飞线充电"]),
    ("housing", "房屋建设", None, 1, Tier.NORMAL, 0, 0, []),
    ("housing.illegal", "违章搭建", "housing", 1, Tier.NORMAL, 3, 3, ["楼顶违章搭建", "一楼私搭乱建"]),
    ("dispute", "邻里纠纷", None, None, Tier.NORMAL, 5, 0, ["楼上漏水邻里纠纷", "占用公共空间引发纠纷"]),
    ("market", "市场监管", None, 3, Tier.NORMAL, 0, 0, []),
    ("market.food", "食品安全", "market", 3, Tier.KEY, 2, 0, ["餐馆卫生条件差", "超市售卖过期食品"]),
    ("market.price", "价格投诉", "market", 3, Tier.NORMAL, 1, 0, ["商家价格欺诈", "明码标价不规范"]),
    ("welfare", "社会保障", None, 6, Tier.NORMAL, 0, 0, []),
    ("welfare.elderly", "养老服务", "welfare", 6, Tier.NORMAL, 2, 0, ["高龄补贴咨询", "居家养老服务申请"]),
    ("welfare.wage", "拖欠工资", "welfare", 10, Tier.KEY, 2, 0, ["工地拖欠农民工工资", "公司拖欠工资"]),
    ("health", "卫生健康", None, 7, Tier.NORMAL, 2, 0, ["社区卫生服务站排队久", "病媒生物滋生"]),
    ("safety", "安全隐患", None, 8, Tier.KEY, 0, 0, []),
    ("safety.fire", "消防安全", "safety", 8, Tier.KEY, 2, 3, ["消防栓损坏", "消防通道被占用"]),
    ("safety.gas", "燃气安全", "safety", 8, Tier.NORMAL, 1, 0, ["闻到燃气异味", "燃气管道老化"]),
    ("other", "其他", None, None, Tier.NORMAL, 2, 1, ["其他问题反映", "咨询建议"]),
]  # fmt: skip
# Limits after CASE-3 (Beijing 12345: 2 h urgent, 24 h utilities, 7 days ordinary, 15 days hard);
# a key case (重点, also where an ordinary case goes after running over twice) gets 3 working days.
SLA_DEFAULTS = [
    (None, Tier.NORMAL, 7, LimitUnit.WORKING_DAYS, None),
    (None, Tier.KEY, 3, LimitUnit.WORKING_DAYS, None),
    (None, Tier.HARD, 15, LimitUnit.WORKING_DAYS, None),
    ("streetlight", Tier.NORMAL, 5, LimitUnit.WORKING_DAYS, None),
    ("water.supply", Tier.NORMAL, 24, LimitUnit.NATURAL_HOURS, 4),
    ("safety.gas", Tier.NORMAL, 2, LimitUnit.NATURAL_HOURS, None),
]
RESULTS = {
    "property": "已督促物业公司整改，现场复核已处理到位。",
    "sanitation": "已安排环卫人员清理完毕，并加强巡查。",
    "municipal": "已安排养护单位维修完成。",
    "noise": "已现场劝导并依法处置，噪音已停止。",
    "water": "已协调供水公司抢修，恢复正常。",
    "traffic": "已联系车主挪车，并张贴文明停车提示。",
    "housing": "已下达整改通知书，违建已拆除。",
    "dispute": "经社区调解，双方达成一致意见。",
    "market": "已依法立案调查并责令整改。",
    "welfare": "已向居民解释政策并协助办理。",
    "health": "已联系相关机构处理并答复居民。",
    "safety": "已现场排查隐患并整改完毕。",
    "other": "已答复居民。",
}
DESCRIPTION_TAILS = [
    "已经持续好几天了，请尽快处理。",
    "影响居民正常生活，希望有关部门尽快解决。",
    "多次反映未解决，请相关部门重视。",
    "老人小孩出行不便，存在安全隐患。",
    "",
]
SATISFIED_COMMENTS = ["", "", "", "处理及时，谢谢！", "网格员很负责。", "问题解决了，满意。"]
UNSATISFIED_COMMENTS = ["问题没有解决。", "只是敷衍了事。", "处理后又出现同样问题。"]
REJECT_REASONS = ["不属于受理范围，已告知居民通过司法途径解决。", "诉求内容不明确，已电话联系居民补充。"]
RETURN_REASONS = ["该事项不属于本单位职责。", "点位不在本单位辖区。"]
COMMENTS = ["已联系居民了解情况。", "已现场查看，正在协调。", "等待材料到位后施工。"]

# Channels and how often each brings a case in (a county's 12345 + grid mix).
CHANNEL_WEIGHTS = [
    (Channel.RESIDENT_APP, 52),
    (Channel.GRID_PATROL, 20),
    (Channel.HOTLINE_12345, 16),
    (Channel.PHONE, 6),
    (Channel.WECHAT_GROUP, 4),
    (Channel.RECEPTION_DAY, 2),
]
# Hour-of-day profile of intake (local time): morning and afternoon peaks, a quiet night.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 8, 8, 7, 5, 5, 6, 7, 7, 6, 5, 5, 5, 4, 3, 2]


def ensure_categories() -> None:
    """The category tree and SLA policies above, unless the database already has categories."""
    if Category.objects.exists():
        return
    created = {}
    for code, name, parent, _dept, tier, *_rest in CATEGORY_TREE:
        created[code] = Category.objects.create(
            code=code, name=name, parent=created.get(parent), default_tier=tier, sort_order=len(created)
        )
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.bulk_create(
            [
                SlaPolicy(
                    category=created[code] if code else None,
                    tier=tier,
                    limit_amount=amount,
                    limit_unit=unit,
                    urge_before_hours=urge_hours,
                )
                for code, tier, amount, unit, urge_hours in SLA_DEFAULTS
            ]
        )


# ---------------------------------------------------------------------------------------------
# Writing rows: COPY on PostgreSQL, executemany on SQLite


class Table:
    """One model's table: the columns we supply, then constant defaults for every other column."""

    def __init__(self, model, fields: list[str], encrypted: tuple[str, ...] = ()):
        self.model = model
        self.name = model._meta.db_table
        supplied = [model._meta.get_field(f) for f in fields]
        names = {f.name for f in supplied}
        rest = [f for f in model._meta.concrete_fields if f.name not in names]
        self.tail = tuple(_constant_default(f) for f in rest)
        self.columns = [f.column for f in supplied] + [f.column for f in rest]
        self.encrypted = [fields.index(f) for f in encrypted]


def _constant_default(field) -> object:
    if field.has_default():
        return field.get_db_prep_save(field.get_default(), connection)
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} has no default; the scale seed must supply it")


class BulkWriter:
    """Appends rows to tables inside the current transaction and keeps time and counts per table."""

    def __init__(self):
        self.vendor = connection.vendor
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.raw = connection.connection  # the driver's connection, in Django's open transaction
        self._days: dict[int, str] = {}
        self._zone = "+00" if self.vendor == "postgresql" else ""

    def ts(self, us: int | None) -> str | None:
        """A moment as the database's text form of a UTC timestamp (what Django writes)."""
        if us is None:
            return None
        seconds, micro = divmod(us, 1_000_000)
        day, seconds = divmod(seconds, 86400)
        text = self._days.get(day)
        if text is None:  # strftime is slow; a day's date is formatted once
            text = self._days[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        text = (
            f"{text} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}"
            if micro
            else (f"{text} {hours:02d}:{minutes:02d}:{seconds:02d}")
        )
        return text + self._zone

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        if table.encrypted:
            rows = [_encrypt_row(row, table.encrypted) for row in rows]
        tail = table.tail
        if self.vendor == "postgresql":
            columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
            sql = f"COPY {connection.ops.quote_name(table.name)} ({columns}) FROM STDIN"
            with self.raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            columns = ", ".join(f'"{c}"' for c in table.columns)
            marks = ", ".join("?" * len(table.columns))
            self.raw.executemany(
                f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',  # noqa: S608 - names from the models
                [row + tail for row in rows],
            )
        self.rows[table.name] += len(rows)
        self.seconds[table.name] += time.perf_counter() - started


def _encrypt_row(row: tuple, positions: list[int]) -> tuple:
    row = list(row)
    for i in positions:
        if row[i]:
            row[i] = encrypt(row[i])
    return tuple(row)


# Tables whose foreign keys and secondary indexes are dropped during a PostgreSQL load.
BULK_MODELS = [OrgUnit, Grid, User, RoleAssignment, Case, CaseReporter, TimelineEntry, EscalationTarget]


def _pg_drop_secondary(cursor) -> list[str]:
    """Drop the loaded tables' foreign keys and non-unique indexes; return the SQL that restores them."""
    restore_indexes, restore_keys = [], []
    for model in BULK_MODELS:
        table = model._meta.db_table
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            restore_keys.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = %s AND i.schemaname = current_schema()
                 AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore_indexes.append(definition)
    return restore_indexes + restore_keys


# ---------------------------------------------------------------------------------------------
# The plan of places and people


@dataclass
class GridPlan:
    index: int
    unit_id: int
    code: str
    cell: tuple
    community: "CommunityPlan"
    worker_id: int = 0
    estates: list = None  # [(estate_id, name, address, office_id, rep_id)]
    first_resident: int = 0
    residents: int = 0
    weight: float = 1.0


@dataclass
class CommunityPlan:
    unit_id: int
    code: str
    name: str
    district: "DistrictPlan"
    street_station_id: int
    street_officer_id: int
    staff_ids: list
    grids: list


@dataclass
class DistrictPlan:
    unit_id: int
    code: str
    name: str
    centre_id: int
    discipline_id: int
    dispatcher_ids: list
    supervisor_ids: list
    departments: dict  # number → (unit_id, [handler ids])


UNIT_FIELDS = ["id", "kind", "code", "name", "parent", "grid", "place", "lat", "lng", "address", "created_at"]
USER_FIELDS = ["id", "password", "phone_digest", "phone", "name", "large_text", "date_joined"]
ROLE_FIELDS = ["id", "user", "role", "org", "created_at"]
CASE_FIELDS = [
    "id", "number", "kind", "title", "description", "category", "tier", "status", "channel", "reporter",
    "submitted_by", "contact_name", "contact_phone", "lat", "lng", "address", "place_label", "grid", "community",
    "scope_code", "owner_unit", "owner_user", "due_at", "urge_at", "urged_at", "overdue_marked_at", "overdue_since",
    "overdue_count", "tier_raised", "resolved_level", "result", "rating", "rating_comment", "rated_at",
    "rating_deadline", "merged_into", "published_at", "created_at", "updated_at", "resolved_at", "closed_at",
]  # fmt: skip
TIMELINE_FIELDS = [
    "id", "case", "action", "from_status", "to_status", "actor", "actor_unit", "owner_unit", "at", "note", "data",
]  # fmt: skip
REPORTER_FIELDS = ["id", "case", "user", "via_case", "added_at", "rating", "rating_comment", "rated_at"]
TARGET_FIELDS = [
    "id", "case", "unit", "role", "due_at", "created_at", "created_by", "reported_at", "reported_by", "urged_at",
]  # fmt: skip


class _Ids:
    """Primary keys handed out in order, starting after whatever the table already holds."""

    def __init__(self, model):
        self.next = (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def __call__(self) -> int:
        value = self.next
        self.next += 1
        return value


def _phone(index: int, salt: int) -> str:
    """The index-th generated mobile number: a bijection, so numbers never repeat and no set of a
    million numbers is kept in memory. Prefixes are the demo's (never 139, the demo accounts')."""
    prefix = MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]
    # 7,654,321 is odd and not a multiple of 5, so n ↦ 7654321·n + salt is a permutation of 10⁸.
    return f"{prefix}{(7_654_321 * (index // len(MOBILE_PREFIXES)) + salt) % 10**8:08d}"


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights`, exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


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
        self.calendar = FastCalendar(first_day, timezone.localtime(until).date() + timedelta(days=400))
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

        for d in range(spec.districts):
            code = f"3501{d + 2:02d}"
            name = DISTRICT_NAMES[d % len(DISTRICT_NAMES)] + ("" if d < len(DISTRICT_NAMES) else str(d))
            west = round(west0 + (d % cols) * block_w, 6)
            north = round(north0 - (d // cols) * block_h, 6)
            district_id = self._unit(
                units, OrgKind.DISTRICT, code, name, lat=north - block_h / 2, lng=west + block_w / 2,
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
        if spec.districts > 1:
            # The core has no city level (a district is the top of the tree): the city's platform
            # administration holds the role at every district, so it sees the whole city.
            city_roles = [(Role.PLATFORM_ADMIN, d.unit_id) for d in self.districts]
            self._person(staff, roles, people.name(), city_roles)
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
            self.levels[key] = _level_of(OrgUnit(kind=kind, parent=parent))
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
            if sim.due_at < resolve_at and rng.random() < 0.4:
                supervisor = rng.choice(district.supervisor_ids)
                sim.later(sim.due_at + self._delay(4 * 3600), "supervise", supervisor, district.discipline_id)
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

    def __init__(self, gen: ScaleGenerator, created: int, grid: GridPlan):
        self.gen = gen
        self.id = gen.ids[Case]()
        self.created = created
        self.grid = grid
        self.status = ""
        self.owner_unit = None
        self.owner_user = None
        self.category = None
        self.tier = Tier.NORMAL
        self.due_at = self.urge_at = None
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
        target = check(action, source, to)
        self.status = target
        gen = self.gen
        gen.buffers[TimelineEntry].append(
            (gen.ids[TimelineEntry](), self.id, action, source, target, actor, unit, self.owner_unit, at, note, data)
        )
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
        self.set(due_at=due, urge_at=urge, resolved_at=None, rating_deadline=None)

    def merge_into(self, target: _Merged, at, dispatcher, centre):
        status, owner = target.state_at(at)
        self.set(merged_into=target.id, closed_at=at)
        self.act("merge", at, dispatcher, centre, data={"into": target.id})
        gen = self.gen
        number = self.static["number"]
        gen.buffers[TimelineEntry].append(
            (gen.ids[TimelineEntry](), target.id, "absorb", status, check("absorb", status), dispatcher, centre, owner,
             at, "", {"case": self.id, "number": number})
        )  # fmt: skip
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
                if self.due_at > tick:
                    best = (tick, 0, None)
            if self.overdue_marked_at is None or self.overdue_marked_at < self.due_at:
                candidate = (self._tick_for(self.due_at, 1), 1, None)
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

    def _sweep(self, tick: int, step: int, target_index) -> None:
        self.tick, self.step = tick, step
        gen = self.gen
        if step == 0:  # 中心催单
            self.urged_at = tick
            self.act("urge", tick, None, None, data={"auto": True, "due_at": _local_iso(self.due_at)})
        elif step == 1:  # overdue; the second time, 提级催办
            count = self.overdue_count + 1
            old_tier = self.tier
            new_tier = sla.next_tier(old_tier) if count >= 2 and old_tier != Tier.HARD else old_tier
            due, urge = gen.calendar.deadlines(tick, gen.limit(self.category, new_tier))
            data = {"due_at": _local_iso(self.due_at), "overdue_count": count, "next_due_at": _local_iso(due)}
            self.set(
                overdue_count=count,
                overdue_marked_at=tick,
                overdue_since=self.overdue_since if self.overdue_since is not None else tick,
                due_at=due,
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
                ts(self.resolved_at), ts(self.closed_at),
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


# ---------------------------------------------------------------------------------------------
# The seed


class ScaleAlreadySeeded(Exception):
    """The database already has an organisation tree; generated data never mixes into real data."""


def _link_departments(district_code: str) -> None:
    """Point the categories this seed created at the first district's departments (属事).

    A category has one responsible department, a unit of one district: across a city the seed's
    dispatchers send each case to the department with the same number (B01…) in its own
    district, which the model cannot express yet (see docs/performance.md).
    """
    units = dict(OrgUnit.objects.filter(code__startswith=f"{district_code}B").values_list("code", "pk"))
    for code, _name, _parent, number, *_rest in CATEGORY_TREE:
        if number is not None:
            Category.objects.filter(code=code, department__isnull=True).update(
                department_id=units.get(f"{district_code}B{number:02d}")
            )


def default_until() -> datetime:
    """Now, cut to the whole minute (the sweeper's tick), in the platform's time zone."""
    return timezone.localtime().replace(second=0, microsecond=0)


def seed_scale(spec: ScaleSpec, *, seed: int = DEFAULT_SEED, until: datetime | None = None, stdout=None) -> dict:
    """Write a generated city, district or street into an empty database; return the figures.

    `until` (a whole minute) is the present of the generated world: cases are lived up to it.
    Returns {"scale", "seed", "until", "rows": {table: n}, "seconds": {...}, "peak_rss_mb"}.
    """
    until = (until or default_until()).replace(second=0, microsecond=0)
    if OrgUnit.objects.exists():
        raise ScaleAlreadySeeded("The database already has organisation units.")
    started = time.perf_counter()
    seconds = {}
    writer = BulkWriter()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)
            stdout.flush()

    with transaction.atomic():
        created_categories = not Category.objects.exists()
        ensure_categories()
        restore = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # ALTER TABLE refuses to run while deferred foreign-key checks are queued (the
                # categories just written): run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                restore = _pg_drop_secondary(cursor)
                # Index builds sort in memory up to this much, for this transaction only.
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        generator = ScaleGenerator(spec, seed=seed, until=until, writer=writer)
        loop_started = time.perf_counter()
        reported = 0
        for table, rows in _chain(generator.places_and_people(), generator.cases()):
            writer.write(table, rows)
            done = writer.rows[Case._meta.db_table]
            if done - reported >= max(spec.cases // 10, 1) or (table.model is User and stdout is not None):
                reported = done
                say(
                    f"  … {writer.rows[User._meta.db_table]:,} users, {done:,} cases, "
                    f"{writer.rows[TimelineEntry._meta.db_table]:,} timeline entries "
                    f"({time.perf_counter() - started:.0f} s)"
                )
        loop = time.perf_counter() - loop_started
        seconds["write"] = sum(writer.seconds.values())
        seconds["generate"] = loop - seconds["write"]
        if created_categories:
            _link_departments(generator.districts[0].code)
        step = time.perf_counter()
        with connection.cursor() as cursor:
            if restore:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in restore:
                cursor.execute(sql)
            for sql in connection.ops.sequence_reset_sql(no_style(), [*BULK_MODELS, Category, SlaPolicy]):
                cursor.execute(sql)
        seconds["indexes_and_keys"] = time.perf_counter() - step
        counts = dict(writer.rows)
        audit_record(
            actor=None,
            action="seed.scale",
            obj=OrgUnit.objects.get(pk=generator.districts[0].unit_id),
            after={"scale": spec.name, "seed": seed, "until": until.isoformat(), "rows": counts},
        )
    step = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            pass  # inside a caller's transaction (the tests): VACUUM cannot run there
        elif connection.vendor == "postgresql":
            # Fresh statistics for the planner and a visibility map for index-only scans.
            for model in BULK_MODELS:
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        else:
            cursor.execute("ANALYZE")
    seconds["analyze"] = time.perf_counter() - step
    # The dashboard reads the metrics rollups, not the timeline: build them for the new history.
    from jinlin.stats.services import metrics_refresh

    step = time.perf_counter()
    metrics_refresh(full=True)
    seconds["metrics"] = time.perf_counter() - step
    seconds["total"] = time.perf_counter() - started
    grid_index_invalidate()
    result = {
        "scale": spec.name,
        "seed": seed,
        "until": until.isoformat(),
        "database": connection.vendor,
        "rows": counts,
        "write_seconds": {table: round(s, 2) for table, s in writer.seconds.items()},
        "seconds": {name: round(s, 2) for name, s in seconds.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    say(
        f"Seeded scale {spec.name} (seed {seed}, until {until:%Y-%m-%d %H:%M}) on {connection.vendor} "
        f"in {seconds['total']:.1f} s: generating {seconds['generate']:.1f} s, writing {seconds['write']:.1f} s, "
        f"indexes and keys {seconds['indexes_and_keys']:.1f} s, analyze {seconds['analyze']:.1f} s, "
        f"metrics rollups {seconds['metrics']:.1f} s; "
        f"peak memory {result['peak_rss_mb']:.0f} MB."
    )
    for table, n in sorted(counts.items(), key=lambda item: -item[1]):
        spent = writer.seconds[table]
        say(f"  {table:<28} {n:>11,} rows  {spent:7.2f} s  {n / spent if spent else 0:>11,.0f} rows/s")
    return result


def _chain(*generators):
    for generator in generators:
        yield from generator


__all__ = ["DEFAULT_SEED", "SCALES", "FastCalendar", "ScaleAlreadySeeded", "ScaleGenerator", "ScaleSpec", "seed_scale"]
