"""Categories have English names, shown when the interface language is English (pages and API)."""

from django.test import Client
from django.urls import reverse

from jinlin.cases.models import Category
from jinlin.core.services import api_token_issue

from .flow import submit


def _english(category, name_en):
    category.name_en = name_en
    category.save(update_fields=["name_en"])


def test_the_api_lists_categories_with_english_and_localized_names(org, people, categories):
    _english(Category.objects.get(code="streetlight"), "Street lights")
    key, _ = api_token_issue(user=people.resident)
    client = Client()
    for language, expected in (("en", "Street lights"), ("zh-hans", "路灯")):
        body = client.get(
            "/api/categories", headers={"Authorization": f"Bearer {key}", "Accept-Language": language}
        ).json()
        lamp = next(c for c in body if c["code"] == "streetlight")
        assert lamp["name"] == "路灯" and lamp["name_en"] == "Street lights"
        assert lamp["localized_name"] == expected


def test_the_case_page_names_the_category_in_english_for_an_english_reader(client, org, people, categories):
    lamp = Category.objects.get(code="streetlight")
    _english(lamp, "Street lights")
    case = submit(people)
    case.category = lamp
    case.save(update_fields=["category"])
    client.force_login(people.resident)
    url = reverse("cases:detail", args=[case.pk])
    client.cookies["jinlin_language"] = "en"
    assert "Street lights" in client.get(url).text
    client.cookies["jinlin_language"] = "zh-hans"
    page = client.get(url).text
    assert "路灯" in page and "Street lights" not in page


def test_a_category_without_an_english_name_falls_back_to_chinese(org, categories):
    from django.utils import translation

    water = Category.objects.get(code="water")
    with translation.override("en"):
        assert water.localized_name == "供水" == str(water)


def test_the_demo_categories_all_have_english_names():
    from jinlin.cases.demo import CATEGORIES, CATEGORY_NAMES_EN

    assert {code for code, *_ in CATEGORIES} == set(CATEGORY_NAMES_EN)
