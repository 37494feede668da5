"""How personal data is shown to people who may not see all of it.

`mask_phone`, `mask_id_number` and `mask_name` mask a field we know the meaning of. `mask_text`
is THE masker for free text that leaves the platform (the public board, Open311, exports,
notifications to groups): whatever a resident typed into a title, a description or a result,
the published text carries none of the digits of a phone or ID number in any notation
(separators, spaces, full-width digits, +86), no landline, no plate, no door-level address and
no surname before an honorific.
"""

import re
from typing import Any

__all__ = ["mask_id_number", "mask_name", "mask_phone", "mask_text"]


def mask_phone(phone: str | None) -> str:
    """13912345678 → 139****5678; the form residents recognise from bank and courier slips."""
    if not phone:
        return ""
    digits = phone.removeprefix("+86")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_number(number: str | None) -> str:
    """350102199001011234 → 3501**********1234, as DESIGN.md prescribes."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: enough for a neighbour to be recognised by staff, not by the public."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


# ---------------------------------------------------------------- free text

# Matching runs on a copy where look-alike characters are folded to ASCII one for one, so the
# positions found there are the positions in the original text: full-width digits and letters,
# full-width plus, hyphens, dots, brackets and spaces.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},  # Ａ-Ｚ
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},  # ａ-ｚ
        "＋": "+",
        "－": "-",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "─": "-",
        "．": ".",
        "。": ".",
        "·": ".",
        "•": ".",
        "・": ".",
        "（": "(",
        "）": ")",
        "\u3000": " ",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
    }
)

# A run of digits with up to three separators between any two digits, optionally led by "+"
# (+86) and ended by an ID number's X check digit. Seven digits or more in one run is a phone,
# a landline or an ID number, however it is written; shorter runs (a date part, an amount, a
# house number) are left to the rules below.
_SEP = r"[ \-.()/_]"
_DIGIT_RUN = re.compile(rf"(?:\+{_SEP}{{0,2}})?\(?\d(?:{_SEP}{{0,3}}\d)*(?:{_SEP}{{0,2}}[Xx](?![A-Za-z]))?")
_DATE = re.compile(r"(?:19|20)\d\d[-./ ]{1,2}(?:0?[1-9]|1[0-2])[-./ ]{1,2}(?:0?[1-9]|[12]\d|3[01])")
_MIN_PERSONAL_DIGITS = 7

# 闽A·12345, 闽AD12345 (new energy), 京A 1234学.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(rf"([{_PROVINCES}])\s?([A-Za-z])[\s.\-]?([A-Za-z0-9]{{4,6}}[挂学警港澳]?)(?![A-Za-z0-9])")

# Door-level addresses: 3号楼 2单元 301室, 12栋, 5幢, 8层, 3号 (not a date's 3号), and the room
# number after a building or unit (2单元301).
_DOOR = re.compile(r"(?<![月\d])(\d+)(\s*)(号楼|栋|幢|座|单元|层|楼|室|户|号(?![线]))")
_ROOM_AFTER = re.compile(r"(号楼|栋|幢|座|单元|楼)(\s*-?\s*)(\d{2,5})")
_DASHED_ROOM = re.compile(r"(?<![\d\-])(\d{1,3})-(\d{1,2})-(\d{2,4})(?![\d\-])")

# Surnames (the common single-character ones and the compound ones) before an honorific.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝林"
)
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|令狐|夏侯|端木"
_HONORIFICS = (
    "先生|女士|小姐|阿姨|师傅|师父|大爷|大妈|大叔|大姐|大哥|老师|奶奶|爷爷|叔叔|阿婆|阿伯|老伯"
    "|同志|经理|主任|书记|律师|医生"
)
_HONORIFIC_NAME = re.compile(rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{0,2}}?(?={_HONORIFICS})")
_LABELLED_NAME = re.compile(r"((?:联系人|姓名|报告人|反映人|业主|住户)\s*[:：]?\s*)([\u4e00-\u9fff·]{2,4})")


def _stars(text: str) -> str:
    return "*" * len(text)


def _mask_digit_runs(text: str, folded: str) -> tuple[str, str]:
    spans = []
    for match in _DIGIT_RUN.finditer(folded):
        run = match.group(0)
        digits = sum(ch.isdigit() for ch in run)
        if digits < _MIN_PERSONAL_DIGITS:
            continue
        if _DATE.fullmatch(run.strip(" -./()_")):
            continue
        spans.append(match.span())
    if not spans:
        return text, folded
    out, fold_out, last = [], [], 0
    for start, end in spans:
        out.append(text[last:start])
        fold_out.append(folded[last:start])
        # Every character that is a digit, a plus or an X becomes *, separators stay: the reader
        # sees that a number was there, not which.
        masked = "".join("*" if (c.isdigit() or c in "+Xx") else c for c in folded[start:end])
        out.append(masked)
        fold_out.append(masked)
        last = end
    out.append(text[last:])
    fold_out.append(folded[last:])
    return "".join(out), "".join(fold_out)


def _sub_both(pattern: re.Pattern, repl: Any, text: str, folded: str) -> tuple[str, str]:
    """Apply a substitution found on the folded text to both texts, position by position;
    `repl` must keep each match's length."""
    pieces, fold_pieces, last = [], [], 0
    for match in pattern.finditer(folded):
        start, end = match.span()
        replaced = repl(match)
        pieces += [text[last:start], replaced]
        fold_pieces += [folded[last:start], replaced]
        last = end
    pieces.append(text[last:])
    fold_pieces.append(folded[last:])
    return "".join(pieces), "".join(fold_pieces)


def mask_text(text: str | None) -> str:
    """Free text as the public may see it. Keeps its length and everything that is not personal:
    a date, an amount, a street name, the kind of problem."""
    if not text:
        return ""
    folded = text.translate(_FOLD)
    assert len(folded) == len(text)
    text, folded = _mask_digit_runs(text, folded)
    text, folded = _sub_both(_PLATE, lambda m: m.group(1) + "*" * (len(m.group(0)) - 1), text, folded)
    text, folded = _sub_both(_DASHED_ROOM, lambda m: re.sub(r"\d", "*", m.group(0)), text, folded)
    text, folded = _sub_both(_DOOR, lambda m: _stars(m.group(1)) + m.group(2) + m.group(3), text, folded)
    text, folded = _sub_both(_ROOM_AFTER, lambda m: m.group(1) + m.group(2) + _stars(m.group(3)), text, folded)
    text, folded = _sub_both(_LABELLED_NAME, lambda m: m.group(1) + _stars(m.group(2)), text, folded)
    text, folded = _sub_both(_HONORIFIC_NAME, lambda m: _stars(m.group(0)), text, folded)
    return text
