"""The scales, their constants (names, categories, time limits, weights) and the plans of places."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import models
from django.utils import timezone

from jinlin.cases import sla
from jinlin.cases.models import (
    Category,
    Channel,
    LimitUnit,
    SlaPolicy,
    Tier,
)
from jinlin.core.demo import (
    DEPARTMENTS,
    ESTATE_PREFIXES,
    GRIDS_PER_COMMUNITY,
    MOBILE_PREFIXES,
)
from jinlin.core.workcalendar import epoch_us, timedelta_us

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


_us = epoch_us
_td_us = timedelta_us


def _local_iso(us: int) -> str:
    return (
        (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us))
        .astimezone(timezone.get_default_timezone())
        .isoformat()
    )


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
    "supervision_due_at",
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
