"""Who may do each case action: one `core.policy.Policy` row per action, read by the services'
guards (`policy.require(actor, "case.<action>", case, state=False)`: the state machine answers a
wrong state with its own 409) and by the buttons (`selectors.allowed_actions`, which asks the rows
with the state). A rule is written here once; `test_policy_equivalence` proves that a button is
offered exactly when the service accepts the action, for every demo role in every case state.

Who reaches a case comes from core.scope (`covers`: the area of the role binding) or from the
case's units (`rules.acts_for`: the owner unit, a whistle target). Imported by CasesConfig.ready.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_noop

from jinlin.core.models import OrgKind, Role, RoleAssignment, User
from jinlin.core.policy import Policy, register
from jinlin.core.scope import PERSONAL_ROLES, covers

from . import machine, rules
from .models import Case, EscalationTarget

# Every staff role (not a personal one): who may report in for a unit they work for.
STAFF_ROLES = frozenset(set(Role) - PERSONAL_ROLES)
DISPATCHER = frozenset({Role.DISPATCHER})
HANDLERS = frozenset(rules.HANDLER_ROLES)
# Who sees the resident's exact address and phone besides the owner unit's handlers: the command
# centre that dispatches and the grid worker who walks there. Not community staff by area (PIPL,
# minimum necessary): they reveal only as handlers, when the case is their community's (or one of
# its grids'), never for a case a department or another unit handles in their community.
REVEAL_AREA_ROLES = frozenset({Role.DISPATCHER, Role.GRID_WORKER})


def in_state(*actions: str) -> Callable[[Case], bool]:
    """The case's state permits one of the machine's `actions`."""
    return lambda case: any(machine.allowed(a, case.status) for a in actions)


def area(assignment: RoleAssignment, case: Case) -> bool:
    """The role binding's area (core.scope) includes the case."""
    return covers(assignment, case.scope_code)


def owner(assignment: RoleAssignment, case: Case) -> bool:
    """The binding acts for the unit the case is assigned to (police: their own unit only)."""
    return rules.acts_for(assignment, case.owner_unit if case.owner_unit_id else None)


def pending_target(assignment: RoleAssignment, target: EscalationTarget, case: Case | None = None) -> bool:
    """The binding is a member of this whistle unit, which has not reported in yet: bound to the
    unit itself, or to an office under a unit that is not a place. Never by area: a district's
    dispatcher is no member of the district's departments. The one exception is the police: a
    whistle to a police station reaches the community police officers (社区民警, bound to the
    community they serve) of the case's place as well as the station."""
    if target.reported_at is not None:
        return False
    unit = target.unit
    if assignment.org_id == unit.pk:
        return True
    if unit.kind == OrgKind.POLICE_STATION and assignment.role == Role.POLICE_OFFICER and case is not None:
        return covers(assignment, case.scope_code)
    return not unit.is_place() and assignment.org.code.startswith(unit.code)


def targets_of(case: Case) -> list[EscalationTarget]:
    """The case's whistle targets: those the caller already read (`_jinlin_targets`), else read."""
    given = case.__dict__.get("_jinlin_targets")
    if given is not None:
        return given
    return list(EscalationTarget.objects.filter(case_id=case.pk).select_related("unit"))


def reporting_target(assignment: RoleAssignment, case: Case) -> EscalationTarget | None:
    return next((t for t in targets_of(case) if pending_target(assignment, t, case)), None)


def follower(user: User, case: Case) -> bool:
    return rules.is_follower(user, case)


def reveal_binding(assignment: RoleAssignment, case: Case) -> bool:
    if assignment.role in HANDLERS and owner(assignment, case):
        return True
    return assignment.role in REVEAL_AREA_ROLES and area(assignment, case)


def sees(user: User, case: Any) -> bool:
    """Anyone who may read the case may comment on it (the scope rule of cases_visible_to)."""
    from .selectors import cases_visible_to, sees_directly  # selectors reads this table's buttons

    return sees_directly(user, case) or cases_visible_to(user).filter(pk=case.pk).exists()


def photo_intake_personal(user: User, case: Case) -> bool:
    return follower(user, case) or case.submitted_by_id == user.pk


def _dispatcher(action: str, *states: str) -> Policy:
    return Policy(
        f"case.{action}",
        roles=DISPATCHER,
        bound=area,
        state=in_state(*(states or (action,))),
        refusal=gettext_noop("Only the command centre covering this place may do this."),
    )


def _handler(action: str) -> Policy:
    return Policy(
        f"case.{action}",
        roles=HANDLERS,
        bound=owner,
        state=in_state(action),
        refusal=gettext_noop("Only the unit this case is assigned to may do this."),
    )


POLICIES: tuple[Policy, ...] = (
    # 平台派单: the command centre of the place.
    _dispatcher("accept"),
    _dispatcher("reject"),
    _dispatcher("merge"),
    _dispatcher("dispatch"),
    _dispatcher("transfer"),
    # 部门接单: the unit the case is assigned to.
    _handler("claim"),
    _handler("return"),
    _handler("resolve"),
    # 群众评单: the people who reported it; 回访 by staff of the place on their behalf.
    Policy(
        "case.evaluate",
        personal=follower,
        state=in_state("evaluate"),
        refusal=gettext_noop("Only the people who reported this case may rate it."),
    ),
    Policy(
        "case.visit",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DISPATCHER}),
        bound=area,
        state=in_state("visit"),
        refusal=gettext_noop(
            "Only community staff, grid workers and dispatchers of this place record follow-up visits."
        ),
    ),
    Policy(
        "case.reopen",
        roles=frozenset({Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR}),
        bound=area,
        personal=follower,
        state=in_state("reopen"),
        refusal=gettext_noop("You may not do this to this case."),
    ),
    # 中心催单 · 纪委督单.
    Policy(
        "case.urge",
        roles=frozenset({Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR, Role.COMMUNITY_STAFF}),
        bound=area,
        state=in_state("urge"),
        refusal=gettext_noop("Only the command centre, supervisors and community staff may urge."),
    ),
    Policy(
        "case.supervise",
        roles=frozenset({Role.DISCIPLINE_SUPERVISOR}),
        bound=area,
        state=in_state("supervise"),
        refusal=gettext_noop("Only discipline supervisors may supervise."),
    ),
    # 吹哨报到: the grid or community blows; members of a named unit that has not reported in answer.
    Policy(
        "case.escalate",
        roles=frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF}),
        bound=area,
        state=in_state("escalate"),
        refusal=gettext_noop("Only grid workers and community staff of this place may blow the whistle."),
    ),
    Policy(
        "case.report_in",
        roles=STAFF_ROLES,
        bound=lambda a, case: reporting_target(a, case) is not None,
        state=in_state("report_in"),
        refusal=gettext_noop("Your unit was not called in on this case, or has already reported in."),
    ),
    # 组织晒单: a closed case not yet on the board, by community staff or the command centre.
    Policy(
        "case.publish",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.DISPATCHER}),
        bound=area,
        state=lambda case: machine.allowed("publish", case.status) and case.published_at is None,
        refusal=gettext_noop("Only community staff and dispatchers of this place may publish cases."),
    ),
    Policy(
        "case.comment",
        personal=sees,
        state=in_state("comment"),
        refusal=gettext_noop("You may not do this to this case."),
    ),
    # Photos: intake photos by whoever reported, result photos by the handling unit.
    Policy(
        "case.attach_intake",
        personal=photo_intake_personal,
        state=in_state("attach"),
        refusal=gettext_noop("You may not do this to this case."),
    ),
    Policy(
        "case.attach_result",
        roles=HANDLERS,
        bound=owner,
        state=in_state("attach"),
        refusal=gettext_noop("You may not do this to this case."),
    ),
    # PIPL: the exact address and phone, for those handling the case (audited by the service).
    Policy(
        "case.reveal_contact",
        roles=frozenset(HANDLERS | REVEAL_AREA_ROLES),
        bound=reveal_binding,
        personal=follower,
        refusal=gettext_noop("Only the people handling this case may see the resident's contact details."),
    ),
)


def followable(user: User, case: Case) -> bool:
    """我也关注: a case the person can see, on the public board, or open in the grid they live in."""
    from .services.follow import can_follow

    return can_follow(user, case)


def following(user: User, case: Case) -> bool:
    return True  # anyone may stop following (a no-op when they do not follow)


POLICIES += (
    Policy(
        "case.follow",
        personal=followable,
        refusal=gettext_noop("You can follow only cases you can see: in your grid or on the public board."),
    ),
    Policy("case.unfollow", personal=following),
)

register(*POLICIES)
