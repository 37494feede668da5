"""Every write to a case. One function per action of the state machine (machine.py):

    permission (role + scope, rules.py) → lock the row → state check (TransitionNotAllowed) →
    write → timeline entry → audit entry

all in one transaction, so the resident page, the staff pages, the REST API, Open311 and the CLI
behave identically. `actor=None` is the platform itself (the SLA sweeper, imports, the demo seed).
`at` is the moment the action happened; it defaults to now and exists so that imports of a
hotline's history and the demo seed can replay the past through the same rules.

One module per job: intake, dispatch, handling, rating, oversight, escalation, photos,
contact (reveal), sweep (the SLA sweeper), reference (cached reference data), common (`_write`).
Everything public is re-exported here, so `from jinlin.cases import services` keeps working.
"""

from .common import MAX_ADDRESS, MAX_TEXT, MAX_TITLE
from .contact import case_reveal_contact
from .dispatch import DISPATCH_KINDS, case_accept, case_auto_dispatch, case_dispatch, case_merge, case_reject
from .escalation import ESCALATION_KINDS, case_escalate, case_report_in
from .follow import can_follow, case_follow, case_unfollow
from .handling import case_claim, case_resolve, case_return
from .intake import case_submit
from .oversight import case_comment, case_publish, case_supervise, case_urge
from .photos import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MAX_PHOTOS_PER_KIND, PHOTO_FORMATS, case_photos_add
from .rating import case_evaluate, case_reopen, case_visit
from .reference import MAX_PLACES, _categories, _centres, active_categories, command_centre_for
from .sweep import SWEEP_CHUNK, sla_sweep_run

__all__ = [
    "DISPATCH_KINDS",
    "ESCALATION_KINDS",
    "MAX_ADDRESS",
    "MAX_PHOTOS_PER_KIND",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "MAX_PLACES",
    "MAX_TEXT",
    "MAX_TITLE",
    "PHOTO_FORMATS",
    "SWEEP_CHUNK",
    "_categories",
    "_centres",
    "active_categories",
    "case_accept",
    "case_auto_dispatch",
    "case_claim",
    "can_follow",
    "case_comment",
    "case_follow",
    "case_unfollow",
    "case_dispatch",
    "case_escalate",
    "case_evaluate",
    "case_merge",
    "case_photos_add",
    "case_publish",
    "case_reject",
    "case_reopen",
    "case_report_in",
    "case_resolve",
    "case_return",
    "case_reveal_contact",
    "case_submit",
    "case_supervise",
    "case_urge",
    "case_visit",
    "command_centre_for",
    "sla_sweep_run",
]
