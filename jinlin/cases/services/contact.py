"""Revealing a resident's contact details to those handling the case (PIPL: every reveal audited)."""

from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.cases.models import Case
from jinlin.core.audit import audit_record
from jinlin.core.models import Role, User

from .. import rules
from .common import _deny


@transaction.atomic
def case_reveal_contact(*, actor: User | None, case: Case) -> dict:
    """The exact address and phone, for those handling the case; every reveal is audited."""
    if rules.is_follower(actor, case):
        pass  # residents see their own data without an audit trail of themselves
    elif (
        rules.member_of(actor, case.owner_unit) is None
        and rules.covering(actor, case, Role.DISPATCHER, Role.GRID_WORKER, Role.COMMUNITY_STAFF) is None
    ):
        _deny(_("Only the people handling this case may see the resident's contact details."))
    else:
        audit_record(actor=actor, action="case.reveal_contact", obj=case)
    phone = case.contact_phone or (case.reporter.phone if case.reporter_id else "")
    name = case.contact_name or (case.reporter.name if case.reporter_id else "")
    return {"name": name, "phone": phone, "address": case.address}
