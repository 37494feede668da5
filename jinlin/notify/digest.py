"""One notice instead of many: a sweep that catches up (after the platform was down, or on
imported cases) urges, marks overdue and closes hundreds of cases at once. Told once per case, a
district's discipline supervisor found a thousand notices in the bell (and a resident with many
closed requests as many texts). More than DIGEST_AFTER notices of one kind for one person in one
batch become one notice: how many, the first case numbers, and a link to the list they are on
(docs/notify.md)."""

from collections import defaultdict
from dataclasses import dataclass, replace

from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy

from jinlin.core.models import User

from .kinds import KINDS
from .services import Message

DIGEST_AFTER = 5
SHOWN = 5  # case numbers named in a digest's text

TITLES = {
    "case.urged": gettext_lazy("%(count)s cases were urged"),
    "case.overdue": gettext_lazy("%(count)s cases are overdue"),
    "case.supervised": gettext_lazy("%(count)s cases are under supervision"),
    "case.closed": gettext_lazy("%(count)s of your requests are closed"),
}
OTHER_TITLE = gettext_lazy("%(count)s notices: %(what)s")


@dataclass(frozen=True)
class Origin:
    """Where one message's case is listed for its recipients, and its number."""

    listing: str  # URL name of the list page (cases:inbox, cases:overdue, cases:mine …)
    case_id: int
    number: str


def digested(messages: list[Message], origins: list[Origin]) -> list[Message]:
    """`messages` with every person's notices of a kind beyond DIGEST_AFTER in this batch
    folded into one notice for that person."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for m in messages:
        for r in m.recipients:
            counts[(_pk(r), m.kind)] += 1
    heavy = {key for key, n in counts.items() if n > DIGEST_AFTER}
    if not heavy:
        return messages
    kept: list[Message] = []
    folded: dict[tuple[int, str], list[Origin]] = defaultdict(list)
    for m, origin in zip(messages, origins, strict=True):
        rest = []
        for r in m.recipients:
            if (_pk(r), m.kind) in heavy:
                folded[(_pk(r), m.kind)].append(origin)
            else:
                rest.append(r)
        if rest:
            kept.append(replace(m, recipients=rest))
    for (person, kind), seen in folded.items():
        count = len(seen)
        kept.append(
            Message(
                recipients=[person],
                kind=kind,
                title=lambda _u, k=kind, n=count: _title(k, n),
                body=lambda _u, s=seen: _body(s),
                link=reverse(seen[0].listing),
                data={"count": count, "case_ids": [o.case_id for o in seen][:200], "digest": True},
            )
        )
    return kept


def _pk(recipient: int | User) -> int:
    return recipient if isinstance(recipient, int) else recipient.pk


def _title(kind: str, count: int) -> str:
    text = TITLES.get(kind)
    if text is not None:
        return str(text) % {"count": count}
    return str(OTHER_TITLE) % {"count": count, "what": str(KINDS.get(kind, kind))}


def _body(seen: list[Origin]) -> str:
    numbers = ("、" if (get_language() or "").startswith("zh") else ", ").join(o.number for o in seen[:SHOWN])
    more = len(seen) - SHOWN
    return gettext("%(numbers)s and %(more)s more") % {"numbers": numbers, "more": more} if more > 0 else numbers
