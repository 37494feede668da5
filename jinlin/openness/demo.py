"""Demo openness: for G1's community a year of scheduled disclosures (monthly 财务, quarterly
党务/居务) with the latest monthly one missing (late), ad hoc project notices and a 事前公示 open for
comments, the power list, a seal register, a live decision, and reports to the district's
discipline office in several states. Skips itself when disclosures already exist."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User

from . import services
from .models import Disclosure, DisclosureKind, Frequency, ReportStatus
from .selectors import period_of

POWERS = [
    (
        "低保、特困救助申请初审",
        [
            ("居民申请", "社区工作人员", 1),
            ("入户调查", "网格员", 5),
            ("民主评议并公示7天", "社区党组织书记", 7),
            ("报街道审核", "街道民政办", 10),
        ],
    ),
    (
        "社区小额工程发包（5万元以下）",
        [
            ("提出需求", "居委会", 3),
            ("居民代表会议表决", "社区党组织书记", 7),
            ("三家比价", "居务监督委员会", 5),
            ("结果公示", "居委会", 5),
        ],
    ),
    ("社区公章使用", [("申请", "经办人", 0), ("审批", "社区党组织书记", 1), ("登记用印", "印章管理员", 0)]),
]


def _staff(community: OrgUnit) -> User | None:
    demo = User.objects.filter(phone_digest=User.digest_phone("13900000003")).first()
    if demo is not None:
        return demo
    row = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, org=community).select_related("user").first()
    return row.user if row else None


def _supervisor() -> User | None:
    return User.objects.filter(phone_digest=User.digest_phone("13900000006")).first()


def seed_openness_demo(stdout=None) -> dict:
    if Disclosure.objects.exists():
        return {"disclosures": 0}
    community = OrgUnit.objects.filter(code="350102001001", kind=OrgKind.COMMUNITY).first()
    if community is None:
        community = OrgUnit.objects.filter(kind=OrgKind.COMMUNITY).order_by("code").first()
    staff = _staff(community) if community else None
    if community is None or staff is None:
        return {"disclosures": 0}
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    count = 0
    with transaction.atomic():
        monthly = services.schedule_add(
            actor=staff, unit=community, kind=DisclosureKind.FINANCE, title="财务收支月报", responsible=staff
        )
        party = services.schedule_add(
            actor=staff,
            unit=community,
            kind=DisclosureKind.PARTY,
            title="党费收缴与党员发展季报",
            frequency=Frequency.QUARTERLY,
            responsible=staff,
        )
        affairs = services.schedule_add(
            actor=staff,
            unit=community,
            kind=DisclosureKind.AFFAIRS,
            title="居务工作季报",
            frequency=Frequency.QUARTERLY,
            responsible=staff,
        )
        latest_monthly, _due = period_of(monthly, today)
        # Twelve months back; the latest due month is left out on purpose (it shows as late).
        for back in range(12, 0, -1):
            on = date(today.year, today.month, 1) - timedelta(days=30 * back - 15)
            period = f"{on.year}-{on.month:02d}"
            if period == latest_monthly:
                continue
            services.disclosure_publish(
                actor=staff,
                unit=community,
                kind=DisclosureKind.FINANCE,
                title=f"{on.year}年{on.month}月财务收支公开",
                body=(
                    f"本月收入：办公经费拨款 {18000 + 300 * back} 元；支出：环境整治 {6200 + 110 * back} 元，"
                    f"活动经费 {2400 + 50 * back} 元，办公用品 {830 + 20 * back} 元。"
                ),
                schedule=monthly,
                period=period,
                published_at=datetime.combine(on.replace(day=1) + timedelta(days=40), time(9), tz),
            )
            count += 1
        for back in range(4, 0, -1):
            on = today - timedelta(days=91 * back)
            period, due = period_of(party, on + timedelta(days=91))
            for schedule, title in ((party, "党费收缴与党员发展情况"), (affairs, "居务工作情况")):
                if Disclosure.objects.filter(schedule=schedule, period=period).exists():
                    continue
                services.disclosure_publish(
                    actor=staff,
                    unit=community,
                    kind=schedule.kind,
                    title=f"{period} {title}",
                    body="按季度公开，接受居民监督。",
                    schedule=schedule,
                    period=period,
                    published_at=datetime.combine(min(due, today), time(9), tz),
                )
                count += 1
        services.disclosure_publish(
            actor=staff,
            unit=community,
            kind=DisclosureKind.PROJECT,
            title="丹桂花园雨污分流改造项目招标结果",
            body="中标单位：某市政工程有限公司，中标价 46.8 万元，工期 60 天。",
        )
        services.disclosure_publish(
            actor=staff,
            unit=community,
            kind=DisclosureKind.WELFARE,
            title="本季度低保、临时救助名单公示",
            body="共 12 户，名单在社区公告栏张贴（姓名部分隐去）。",
        )
        services.disclosure_publish(
            actor=staff,
            unit=community,
            kind=DisclosureKind.AFFAIRS,
            title="事前公示：社区活动室改造方案",
            body="拟将二楼活动室改为老年食堂，征求居民意见 7 天。",
            comment_days=7,
        )
        count += 3
        for title, steps in POWERS:
            services.power_item_add(
                actor=staff,
                unit=community,
                title=title,
                steps=[{"step": s, "approver": a, "days": d} for s, a, d in steps],
                basis="《村（居）务公开和小微权力清单》",
            )
        for n in range(14):
            services.seal_use_record(
                actor=staff,
                unit=community,
                user_name=["黄丽萍", "社区会计", "网格员"][n % 3],
                document=["居住证明", "低保初审意见", "工程验收单", "活动经费报销单"][n % 4],
                approved_by="社区党组织书记",
                used_at=timezone.now() - timedelta(days=7 * n + 1),
            )
        decision = services.live_decision_stage(
            actor=staff,
            unit=community,
            title="社区闲置门面出租（集体资产）",
            stage="方案公示",
            note="底价 3.2 万元/年，租期 3 年。",
        )
        services.live_decision_stage(
            actor=staff, unit=community, decision=decision, stage="居民代表会议表决", note="到会 31 人，同意 28 人。"
        )
        services.live_decision_stage(
            actor=staff, unit=community, decision=decision, stage="公开竞价", note="三家报名，今日 15:00 开标。"
        )
    reports = _reports(community)
    if stdout is not None:
        stdout.write(f"Openness demo: {count} disclosures (one month late), {len(POWERS)} powers, {reports} reports.\n")
    return {"disclosures": count, "reports": reports}


def _reports(community: OrgUnit) -> int:
    supervisor = _supervisor()
    filed = [
        ("社区低保评审疑似优亲厚友", "听说某工作人员亲属不符合条件也纳入了低保。", None),
        (
            "小区改造工程疑似围标",
            "三家比价的公司是同一个老板。",
            ("已受理，转交区纪委监委第二监督检查室核查。", ReportStatus.HANDLING),
        ),
        (
            "社区公章私自外借",
            "有人拿社区公章给外人盖章。",
            ("经核查，用印均有审批登记，未发现违规；已提醒规范用印登记。", ReportStatus.CLOSED),
        ),
    ]
    for subject, body, reply in filed:
        report, _code = services.report_submit(
            actor=None, unit=community, subject=subject, body=body, anonymous=True, ip=""
        )
        if reply and supervisor is not None:
            services.report_reply(actor=supervisor, report=report, body=reply[0], status=reply[1])
    return len(filed)
