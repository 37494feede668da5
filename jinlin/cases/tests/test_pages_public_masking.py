"""The disclosure board (晒单) publishes a title and a result that residents and handlers typed:
none of the digits of a phone or an ID number survives, however it was written, and neither do
plates, door numbers or surnames before an honorific."""

import re

import pytest
from django.urls import reverse

from jinlin.cases import services
from jinlin.cases.machine import Status

from .flow import bring_to

NOTATIONS = [
    "139.1234.5678",
    "139-1234-5678",
    "139 1234 5678",
    "１３９１２３４５６７８",
    "+86 139 1234 5678",
    "0591-87654321",
    "350102 19800101 1234",
    "35010219800101123X",
]
DIGITS = ("1391234", "12345678", "5678", "87654321", "19800101", "123X", "1234")


def _full_digits(text: str) -> str:
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


@pytest.mark.parametrize("number", NOTATIONS)
def test_the_board_shows_no_digit_of_a_phone_or_id_in_title_or_result(client, org, people, categories, number):
    case = bring_to(Status.RESOLVED, org, people, category_code="streetlight", title=f"路灯坏了请回电{number}")
    case.result = ""
    case.save(update_fields=["result"])
    services.case_evaluate(actor=people.resident, case=case, rating="satisfied")
    case.refresh_from_db()
    case.result = f"已修复，师傅电话{number}，王先生3号楼2单元301，车牌闽A·12345"
    case.save(update_fields=["result"])
    services.case_publish(actor=people.dispatcher, case=case)
    text = _full_digits(client.get(reverse("cases:public")).text)
    board = re.search(r'<ul class="case-list board">(.*?)</ul>', text, re.S).group(1)
    assert "路灯坏了请回电" in board and "已修复" in board
    for secret in DIGITS:
        assert secret not in board, secret
    for secret in ("王先生", "301", "12345", "3号楼"):
        assert secret not in board, secret
