"""Who may do what in openness (core.policy)."""

from jinlin.core.models import Role
from jinlin.core.policy import Policy, register
from jinlin.core.scope import covers


def in_scope(assignment, obj) -> bool:
    return obj is not None and covers(assignment, obj.scope_code)


STAFF = frozenset({Role.COMMUNITY_STAFF, Role.PARTY_ADMIN, Role.PLATFORM_ADMIN})

register(
    Policy(
        "openness.disclose", roles=STAFF, bound=in_scope, refusal="Only staff of this place publish its disclosures."
    ),
    Policy("openness.register", roles=STAFF, bound=in_scope, refusal="Only staff of this place keep its registers."),
    Policy(
        "openness.report.handle",
        roles=frozenset({Role.DISCIPLINE_SUPERVISOR}),
        bound=in_scope,
        refusal="Only the discipline office of this place handles its reports.",
    ),
    Policy(
        "openness.comment",
        personal=lambda user, obj: user.is_authenticated,
        refusal="Log in to comment.",
    ),
)
