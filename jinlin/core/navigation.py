"""What each role can do on the platform, as the home page and the console's side nav show it.

One table serves both, so a capability added here appears in both places. Each capability
names the URL of its page; pages that later issues have not built yet do not resolve, and the
shell shows them as plain text marked "coming soon" instead of a broken link. When an app adds
a page under the URL name listed here, the link appears by itself.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .home import Figure, figures_for
from .models import Role, RoleAssignment, User

# Roles whose work is at a desk: they get the wide console with a side nav. Residents and people
# who work on foot in the neighbourhood get the single-column mobile layout.
CONSOLE_ROLES = {
    Role.COMMUNITY_STAFF,
    Role.DEPARTMENT_HANDLER,
    Role.DISPATCHER,
    Role.DISCIPLINE_SUPERVISOR,
    Role.PARTY_ADMIN,
    Role.PLATFORM_ADMIN,
}


@dataclass(frozen=True)
class Capability:
    label: str | Promise  # gettext_lazy: translated when shown
    url_name: str | None = None
    # Pages of Django's admin site only open for accounts with admin-site access.
    admin_site: bool = False


@dataclass(frozen=True)
class RoleGuide:
    glyph: str  # the one-character emblem on the role's card (a Chinese character, like a seal)
    summary: str | Promise
    capabilities: tuple[Capability, ...] = field(default_factory=tuple)


ROLE_GUIDES: dict[str, RoleGuide] = {
    Role.RESIDENT: RoleGuide(
        "居",
        _("Tell us about a problem in your neighbourhood and follow it until it is solved."),
        (
            Capability(_("Report a problem"), "cases:report"),
            Capability(_("Follow my requests"), "cases:mine"),
            Capability(_("Rate how my requests were handled"), "cases:mine"),
            Capability(_("Handled cases in my community"), "cases:public"),
            Capability(_("Messages and notices"), "notify:inbox"),
            Capability(_("My neighbourhood centre (邻里中心)"), "centre:index"),
            Capability(_("Time bank (时间银行)"), "volunteers:orders"),
            Capability(_("Micro-wishes (微心愿)"), "volunteers:wishes"),
            Capability(_("Party members reporting in (双报到)"), "volunteers:party_members"),
            Capability(_("Community topics (民声剧场)"), "forum:topics"),
            Capability(_("Conventions and surveys (居民公约·民意测评)"), "forum:civic"),
            Capability(_("Report to the discipline office (我要举报)"), "openness:report_new"),
        ),
    ),
    Role.BUILDING_HEAD: RoleGuide(
        "楼",
        _("Pass on what your building needs and keep its household records current."),
        (
            Capability(_("Report for my building"), "cases:report"),
            Capability(_("Requests from my building"), "cases:inbox"),
            Capability(_("Household records"), "people:households"),
        ),
    ),
    Role.GRID_WORKER: RoleGuide(
        "格",
        _("Look after your grid: take in what residents report, patrol, and visit households."),
        (
            Capability(_("My grid's inbox"), "cases:inbox"),
            Capability(_("Field app (网格通, works offline)"), "field:home"),
            Capability(_("File a patrol report"), "cases:patrol"),
            Capability(_("Household visits"), "people:visits"),
            Capability(_("Visit coverage by grid"), "people:coverage"),
            Capability(_("Map of my grid"), "cases:map"),
            Capability(_("Send a notice to my grid (通知公告)"), "notify:broadcast"),
            Capability(_("Confirm residents' homes"), "notify:homes"),
        ),
    ),
    Role.COMMUNITY_STAFF: RoleGuide(
        "社",
        _("Handle the community's cases, enter calls and visits, and blow the whistle when help is needed."),
        (
            Capability(_("Community cases"), "cases:inbox"),
            Capability(_("Find cases (工作台)"), "cases:console"),
            Capability(_("Enter a call, visit or hotline transfer"), "cases:intake"),
            Capability(_("Blow the whistle (吹哨) to departments"), "cases:inbox"),
            Capability(_("Community statistics"), "stats:dashboard"),
            Capability(_("Grid coverage this week"), "field:coverage"),
            Capability(_("Patrol checklists"), "field:checklists"),
            Capability(_("Send a notice (通知公告)"), "notify:broadcast"),
            Capability(_("Accounts of the community (账号管理)"), "core:accounts"),
            Capability(_("Run the neighbourhood centre (邻里中心)"), "centre:manage"),
            Capability(_("代办 queue (红色代办)"), "centre:errands"),
            Capability(_("Household records"), "people:households"),
            Capability(_("Import households from Excel"), "people:import"),
            Capability(_("Population profile"), "people:profile"),
            Capability(_("Disputes and mediation"), "people:disputes"),
            Capability(_("Components (部件) on the map"), "people:components"),
            Capability(_("Visit coverage by grid"), "people:coverage"),
            Capability(_("Jobs (订单式就业)"), "people:vacancies"),
            Capability(_("Volunteers and the time bank"), "volunteers:staff"),
            Capability(_("People's theatre and meetings (民声剧场)"), "forum:meetings"),
            Capability(_("Public disclosures (三务公开)"), "openness:home"),
        ),
    ),
    Role.DEPARTMENT_HANDLER: RoleGuide(
        "部",
        _("Accept the cases dispatched to your department, handle them in time, or return them with a reason."),
        (
            Capability(_("My department's cases"), "cases:inbox"),
            Capability(_("Find cases (工作台)"), "cases:console"),
            Capability(_("Whistles my department must answer"), "cases:whistles"),
            Capability(_("Department performance"), "stats:dashboard"),
        ),
    ),
    Role.DISPATCHER: RoleGuide(
        "指",
        _("Accept new cases and dispatch each to the grid or department that owns it."),
        (
            Capability(_("Unassigned queue"), "cases:queue"),
            Capability(_("Find cases (工作台)"), "cases:console"),
            Capability(_("Map of cases"), "cases:map"),
            Capability(_("Overdue and urged cases"), "cases:overdue"),
            Capability(_("District dashboard"), "stats:dashboard"),
        ),
    ),
    Role.DISCIPLINE_SUPERVISOR: RoleGuide(
        "纪",
        _("Supervise overdue cases and check that small local powers are used by the rules."),
        (
            Capability(_("Overdue cases"), "cases:overdue"),
            Capability(_("Find cases (工作台)"), "cases:console"),
            Capability(_("Urging and supervision history"), "cases:urges"),
            Capability(_("Audit log"), "core:audit"),
            Capability(_("Reports to the discipline office (我要举报)"), "openness:reports"),
        ),
    ),
    Role.PARTY_ADMIN: RoleGuide(
        "党",
        _("Keep the party organisations, members' community reporting (双报到) and points up to date."),
        (
            Capability(_("Party organisations"), "volunteers:party_orgs"),
            Capability(_("Members reporting to the community (双报到)"), "volunteers:party_members"),
            Capability(_("Party-member points"), "volunteers:points"),
        ),
    ),
    Role.PROPERTY_REP: RoleGuide(
        "物",
        _("Answer the cases about your estates and take part in three-party meetings."),
        (
            Capability(_("Cases about my estates"), "cases:inbox"),
            Capability(_("Three-party meetings (三方联席会)"), "forum:meetings"),
        ),
    ),
    Role.OWNERS_COMMITTEE_REP: RoleGuide(
        "业",
        _("Bring owners' concerns to the community and follow the estate's deliberations."),
        (
            Capability(_("Cases about my estate"), "cases:inbox"),
            Capability(_("Deliberation topics"), "forum:topics"),
            Capability(_("Three-party meetings (三方联席会)"), "forum:meetings"),
        ),
    ),
    Role.POLICE_OFFICER: RoleGuide(
        "警",
        _("Answer the grid's whistles (网格吹哨、民警报到) and patrol together with grid workers."),
        (
            Capability(_("Whistles for me to answer (网格吹哨民警报到)"), "cases:whistles"),
            # Patrol reports are filed by the grid worker (cases.services: grid_patrol); police join them.
            Capability(_("Joint patrols"), "people:patrols"),
            Capability(_("Anti-fraud alerts"), "notify:alerts"),
            Capability(_("Household records"), "people:households"),
        ),
    ),
    Role.VOLUNTEER: RoleGuide(
        "志",
        _("Take on neighbours' requests in the time bank and earn service hours."),
        (
            Capability(_("Time-bank requests"), "volunteers:orders"),
            Capability(_("Micro-wishes (微心愿)"), "volunteers:wishes"),
            Capability(_("My service hours"), "volunteers:ledger"),
            Capability(_("代办 errands for neighbours (红色代办)"), "centre:errands"),
        ),
    ),
    Role.PLATFORM_ADMIN: RoleGuide(
        "管",
        _("Run the platform: the organisation tree, accounts and roles, and the audit log."),
        (
            Capability(_("Organisation tree"), "admin:core_orgunit_changelist", admin_site=True),
            Capability(_("Accounts and passwords (账号管理)"), "core:accounts"),
            Capability(_("Accounts"), "admin:core_user_changelist", admin_site=True),
            Capability(_("Role assignments"), "admin:core_roleassignment_changelist", admin_site=True),
            Capability(_("Audit log"), "core:audit"),
            Capability(_("Admin site"), "admin:index", admin_site=True),
            Capability(_("Message deliveries"), "notify:deliveries"),
        ),
    ),
}


@dataclass(frozen=True)
class Link:
    label: str
    url: str | None  # None: the page does not exist yet (or is not open to this account)


def _url(capability: Capability, user: User) -> str | None:
    if capability.admin_site and not (user.is_active and user.is_staff):
        return None
    if not capability.url_name:
        return None
    try:
        return reverse(capability.url_name)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class RoleCard:
    assignment: RoleAssignment
    guide: RoleGuide
    links: list[Link]
    figures: list[Figure] = field(default_factory=list)

    @property
    def role(self) -> str:
        return self.assignment.role

    @property
    def role_label(self) -> str:
        return self.assignment.get_role_display()


def role_cards(user: User, assignments: list[RoleAssignment], *, figures: bool = False) -> list[RoleCard]:
    """The cards of a user's roles; with `figures` (the home page only, not the menu drawn on every
    page) each card also counts what waits for it (core.home)."""
    cards = []
    for assignment in assignments:
        guide = ROLE_GUIDES.get(assignment.role)
        if guide is None:  # a role added to the model but not described yet
            continue
        links = [Link(str(c.label), _url(c, user)) for c in guide.capabilities]
        cards.append(RoleCard(assignment, guide, links, figures_for(user, assignment) if figures else []))
    return cards


def uses_console(user: User, assignments: list[RoleAssignment]) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or any(a.role in CONSOLE_ROLES for a in assignments)))
