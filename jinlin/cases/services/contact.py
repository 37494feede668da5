"""Revealing a resident's contact details to those handling the case (PIPL: every reveal audited)."""

from django.db import transaction

from jinlin.cases.models import Case
from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import User

from .. import rules


@transaction.atomic
def case_reveal_contact(*, actor: User | None, case: Case, reason: str = "") -> dict:
    """The exact address and phone, for those handling the case; every reveal is audited (with the
    purpose the viewer gave, when the page asked for one)."""
    # Residents see their own data without an audit trail of themselves; anyone else needs the
    # policy row case.reveal_contact (the handlers, the place's staff, the dispatcher), audited.
    if not rules.is_follower(actor, case):
        policy.require(actor, "case.reveal_contact", case)
        audit_record(
            actor=actor, action="case.reveal_contact", obj=case, after={"reason": reason[:500]} if reason else None
        )
    phone = case.contact_phone or (case.reporter.phone if case.reporter_id else "")
    name = case.contact_name or (case.reporter.name if case.reporter_id else "")
    return {"name": name, "phone": phone, "address": case.address}
