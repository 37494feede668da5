"""The OpenAPI document names every schema once: two different schemas called `OrgOut` made
/api/me documented with the wrong fields."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_me_is_documented_with_its_own_org_schema():
    schema = Client().get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    role = components["RoleOut"]["properties"]["org"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[role]["properties"]) == {"id", "code", "name", "level"}


def test_schema_class_names_are_unique_across_routers():
    from ninja import Schema

    from jinlin import api  # noqa: F401  (imports every router)

    seen: dict[str, str] = {}
    duplicates = []
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("jinlin.") or ".tests." in cls.__module__:
            continue
        if cls.__name__ in seen and seen[cls.__name__] != cls.__module__:
            duplicates.append((cls.__name__, seen[cls.__name__], cls.__module__))
        seen[cls.__name__] = cls.__module__
    assert not [d for d in duplicates if d[0] == "OrgOut"], duplicates
