"""GeoReport v2 responses in JSON and XML, and its error format.

Both formats carry the same records: JSON as an array (or an object for a service definition),
XML as a root element holding one element per record, e.g. <service_requests><request>…
Absent values are null in JSON and empty elements in XML, as in the specification's examples.
"""

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# Characters XML 1.0 cannot carry at all; a resident's text pasted from somewhere may hold them,
# and one of them would make the whole document unreadable for every client.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, record: dict) -> None:
    for name, value in record.items():
        child = ET.SubElement(element, name)
        if isinstance(value, list):
            # <attributes><attribute>…</attribute></attributes>: the singular names each item.
            for item in value:
                _fill(ET.SubElement(child, name.removesuffix("s")), item)
        else:
            child.text = _text(value)


def xml_document(root: str, item: str, records) -> bytes:
    """`records` is a list of flat dicts (one <item> each), or one dict filling the root itself."""
    element = ET.Element(root)
    if isinstance(records, dict):
        _fill(element, records)
    else:
        for record in records:
            _fill(ET.SubElement(element, item), record)
    # The specification asks for this declaration, spelled so (ElementTree would write 'utf-8').
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")).encode()


def respond(fmt: str, records, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(xml_document(root, item, records), content_type=XML_TYPE, status=status)
    return HttpResponse(_json(records), content_type=JSON_TYPE, status=status)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The specification's error list: [{code, description}] / <errors><error>…</error></errors>."""
    records = [{"code": status, "description": description} for description in descriptions]
    if fmt not in FORMATS:
        fmt = "json"
    return respond(fmt, records, root="errors", item="error", status=status)
