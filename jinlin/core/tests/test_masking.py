"""The one masker for published free text: whatever notation a resident types a phone, a landline
or an ID number in, none of its digits is published; plates, door numbers and surnames before an
honorific are hidden too, and ordinary dates, amounts and street names stay readable."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinlin.core.masking import mask_text

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SEPARATORS = ["", " ", "-", ".", "·", "\u3000", "－", "．", "  ", " - ", "—", "\u00a0", "/", "_"]
# Chinese words with no digits around the number, as residents write.
FILLER = st.sampled_from(["", "电话", "手机：", "请联系", "打", "号码是", "，谢谢", "联系我", "身份证号", "。"])


def _digits_of(text: str) -> str:
    return re.sub(r"\D", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


@st.composite
def written(draw, digits: str, groups: list[int]) -> str:
    """`digits` split into `groups` (or split anywhere), each gap a separator, each digit maybe full-width."""
    if draw(st.booleans()):
        cuts, at = [], 0
        for size in groups[:-1]:
            at += size
            cuts.append(at)
    else:
        cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    sep = draw(st.sampled_from(SEPARATORS))
    parts, last = [], 0
    for cut in [*cuts, len(digits)]:
        parts.append(digits[last:cut])
        last = cut
    text = sep.join(parts)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    elif draw(st.booleans()):
        text = "".join(ch.translate(FULL_WIDTH) if draw(st.booleans()) else ch for ch in text)
    return text


@st.composite
def mobiles(draw) -> str:
    rest = draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9))
    digits = "1" + draw(st.sampled_from("3456789")) + "".join(rest)
    text = draw(written(digits, [3, 4, 4]))
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "＋８６", "(+86)", "0086 ", "86-"]))
    return prefix + text


@st.composite
def landlines(draw) -> str:
    area = draw(st.sampled_from(["0591", "010", "021", "0592", "0755"]))
    local = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=7, max_size=8)))
    if draw(st.booleans()):
        return f"({area}){local}" if draw(st.booleans()) else f"（{area}）{local}"
    return draw(written(area + local, [len(area), len(local)]))


@st.composite
def id_numbers(draw) -> str:
    body = draw(st.sampled_from(["350102", "110101", "440305"])) + draw(
        st.sampled_from(["19800101", "19991231", "20050615"])
    )
    body += "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=3, max_size=3)))
    check = draw(st.sampled_from(list("0123456789Xx")))
    text = draw(written(body + (check if check.isdigit() else ""), [6, 8, 3 if not check.isdigit() else 4]))
    return text if check.isdigit() else text + draw(st.sampled_from(["", " "])) + check


def _assert_no_digit_survives(number: str, before: str, after: str) -> None:
    masked = mask_text(before + number + after)
    assert _digits_of(masked) == "", masked
    assert "X" not in masked.upper(), masked  # an ID number's check letter too


@settings(max_examples=150, deadline=None)
@given(number=mobiles(), before=FILLER, after=FILLER)
def test_no_digit_of_a_mobile_survives_in_any_notation(number, before, after):
    _assert_no_digit_survives(number, before, after)


@settings(max_examples=100, deadline=None)
@given(number=landlines(), before=FILLER, after=FILLER)
def test_no_digit_of_a_landline_survives_in_any_notation(number, before, after):
    _assert_no_digit_survives(number, before, after)


@settings(max_examples=150, deadline=None)
@given(number=id_numbers(), before=FILLER, after=FILLER)
def test_no_digit_of_an_id_number_survives_with_or_without_spaces(number, before, after):
    _assert_no_digit_survives(number, before, after)


@settings(max_examples=50, deadline=None)
@given(number=mobiles(), other=id_numbers())
def test_two_numbers_in_one_text_are_both_masked(number, other):
    assert _digits_of(mask_text(f"我的电话{number}，身份证{other}。")) == ""


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("139.1234.5678", "1234"),
        ("１３９１２３４５６７８", "５６７８"),
        ("350102 19800101 1234", "19800101"),
        ("35010219800101123X", "123X"),
        ("0591-87654321", "87654321"),
        ("闽A·12345 车停在消防通道", "12345"),
        ("闽AD12345", "12345"),
        ("桂香小区3号楼2单元301漏水", "301"),
        ("3号楼南门的灯坏了", "3号楼"),
        ("住在502室", "502"),
        ("王先生反映", "王先生"),
        ("李阿姨说楼道堵了", "李阿姨"),
        ("张女士来电", "张女士"),
        ("刘师傅已修好", "刘师傅"),
        ("联系人：张三丰", "张三丰"),
    ],
)
def test_plates_door_numbers_and_names_are_hidden(text, hidden):
    assert hidden not in mask_text(text)


@pytest.mark.parametrize(
    "text",
    ["2026-03-09 已修复", "花费300元，共3处", "5月3号来修的", "东街街道路灯不亮", "地铁1号线出口", "2026年3月9日办结"],
)
def test_ordinary_dates_amounts_and_places_stay_readable(text):
    assert mask_text(text) == text


def test_masked_text_keeps_its_length_and_the_words_around():
    text = "请打13912345678联系"
    assert mask_text(text) == "请打***********联系"
