"""How personal data is shown to people who may not see all of it."""


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
