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


def test_schemas_sharing_a_name_are_the_same_schema():
    """The OpenAPI components are keyed by class name: two different schemas of one name would
    document one of them wrong (as OrgOut did)."""
    from ninja import Schema

    from jinlin import api  # noqa: F401  (imports every router)

    by_name: dict[str, dict] = {}
    different = []
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("jinlin.") or ".tests." in cls.__module__:
            continue
        shape = cls.model_json_schema()
        if cls.__name__ in by_name and by_name[cls.__name__] != shape:
            different.append(cls.__name__)
        by_name.setdefault(cls.__name__, shape)
    assert different == []


@pytest.mark.django_db
def test_case_fields_are_documented_as_enums():
    from jinlin.cases.machine import Status
    from jinlin.cases.models import CaseKind, Channel, Rating, Tier

    components = Client().get("/api/openapi.json").json()["components"]["schemas"]
    case = components["CaseOut"]["properties"]
    assert case["tier"]["enum"] == Tier.values
    assert case["kind"]["enum"] == CaseKind.values
    assert case["status"]["enum"] == Status.values
    assert case["channel"]["enum"] == Channel.values
    assert set(case["rating"]["enum"]) == {*Rating.values, ""}
    assert components["EvaluateIn"]["properties"]["rating"]["enum"] == Rating.values
    case_in = components["CaseIn"]["properties"]
    assert {"tier", "kind", "channel"} <= {name for name, prop in case_in.items() if "enum" in prop}


@pytest.mark.django_db
def test_every_operation_documents_401_when_it_needs_a_token_and_400_422_when_it_takes_input():
    schema = Client().get("/api/openapi.json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if operation.get("security") and "401" not in responses:
                missing.append((method, path, 401))
            if operation.get("requestBody") and not {"400", "422"} <= set(responses):
                missing.append((method, path, 400))
    assert missing == []
    token = schema["paths"]["/api/auth/token"]["post"]
    assert "401" in token["responses"] and "totp" in str(schema["components"]["schemas"]["TokenIn"])
