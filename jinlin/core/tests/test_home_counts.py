"""One cap for every capped figure: the home cards and the keyset lists count the same way."""

import pytest

from jinlin.core.home import Figure
from jinlin.core.models import OrgKind, OrgUnit
from jinlin.core.selectors import COUNT_CAP, capped_count

pytestmark = pytest.mark.django_db


def test_a_count_stops_one_past_the_cap_and_a_card_then_says_cap_plus():
    OrgUnit.objects.bulk_create(
        OrgUnit(kind=OrgKind.BUILDING, code=f"9{i:05d}", name=f"楼{i}") for i in range(COUNT_CAP + 5)
    )
    counted = capped_count(OrgUnit.objects.filter(code__startswith="9"))
    assert counted == COUNT_CAP + 1
    assert Figure("inbox", "To do", counted).shown == f"{COUNT_CAP}+"
    assert Figure("inbox", "To do", COUNT_CAP).shown == str(COUNT_CAP)
