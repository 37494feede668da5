"""Resident ID numbers (GB 11643-1999) checked with python-stdnum's `cn.ric` parts.

`ric.validate` also requires the area code to have existed in the birth year; real numbers carry
the code of the place the card was first issued (from 1985), so an elder born in 1941 in 鼓楼区
rightly holds 350102…, which `validate` would refuse. We check the length, the digits, the check
digit, the birth date and that the area code is a known one (in any year).
"""

from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

__all__ = ["ValidationError", "check_id_number", "make_id_number"]


def check_id_number(raw: str) -> tuple[str, date, str]:
    """The compact number, birth date and sex ("M"/"F"); stdnum's ValidationError if not valid."""
    number = ric.compact(raw or "").upper()
    if len(number) != 18:
        raise InvalidLength()
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    birth = ric.get_birth_date(number)
    if birth > date.today() or birth.year < 1880:
        raise InvalidComponent()
    if not known_area(number[:6]):
        raise InvalidComponent()
    return number, birth, "M" if int(number[16]) % 2 else "F"


@lru_cache(maxsize=4096)
def known_area(code: str) -> bool:
    """Whether the 6-digit area code is in GB/T 2260 at any time (python-stdnum's table)."""
    return any(props for _part, props in numdb.get("cn/loc").info(code))


def make_id_number(area: str, birth: date, sequence: int) -> str:
    """A valid number for demo and test data (sequence 0–999; odd for men)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
