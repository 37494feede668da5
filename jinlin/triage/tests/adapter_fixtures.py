"""Fixtures of the adapter tests: the case tests' small district (org, people, categories),
made-up history in the three categories of that district, and an active category model.

Imported with `from .adapter_fixtures import *` so pytest sees the fixtures in each module."""

import pytest

from jinlin.cases.tests.conftest import G1_POINT, G2_POINT, categories, media, org, people
from jinlin.triage import services
from jinlin.triage.models import ModelKind

__all__ = [
    "G1_POINT",
    "G2_POINT",
    "LAMP",
    "PLACES",
    "PROPERTY",
    "WATER",
    "categories",
    "category_model",
    "fresh_models",
    "history_rows",
    "media",
    "org",
    "people",
]

# Phrasings written for these tests, one list per category of the conftest (路灯 streetlight,
# 物业 property, 供水 water).
LAMP = [
    "{p}门口的路灯坏了好几天，晚上黑漆漆的",
    "{p}旁边的路灯不亮了，老人走夜路害怕",
    "{p}小路的路灯一闪一闪，请尽快维修",
    "{p}的路灯杆歪了，灯罩也掉了",
    "{p}路灯白天亮晚上不亮",
]
PROPERTY = [
    "{p}物业不管事，电梯坏了没人修",
    "{p}物业保安不在岗，外人随便进出",
    "{p}物业乱收停车费，没有公示",
    "{p}的物业公司不打扫楼道，垃圾堆着",
    "{p}物业维修基金使用不公开",
]
WATER = [
    "{p}停水一整天了，也没有通知",
    "{p}自来水发黄有异味，不敢喝",
    "{p}水压太低，高层用不上水",
    "{p}水管爆裂，路面一直冒水",
    "{p}水表漏水，水费突然变高",
]
PLACES = ["桂香小区", "东街口", "三坊七巷", "南门兜", "湖东路", "五一广场", "西湖公园", "屏山小区"]
BY_CODE = {"streetlight": LAMP, "property": PROPERTY, "water": WATER}


def history_rows() -> list[dict]:
    """{"text", "title", "label"} rows, labels being Category.code as in training from cases."""
    return [
        {"text": template.format(p=place), "title": template.format(p="")[:12], "label": code}
        for code, templates in BY_CODE.items()
        for template in templates
        for place in PLACES
    ]


@pytest.fixture(autouse=True)
def fresh_models():
    """Models and duplicate signatures are cached per process; every test starts without them."""
    from django.core.cache import cache

    from jinlin.triage.adapter import _signatures

    services.reset_cache()
    _signatures.clear()
    cache.clear()  # the hotspots panel's per-viewer cache
    yield
    services.reset_cache()
    _signatures.clear()
    cache.clear()


@pytest.fixture
def category_model(db):
    """An active category model trained on history_rows(); tests set its threshold."""
    services.train_from_rows(actor=None, rows=history_rows(), kind=ModelKind.CATEGORY, source="test")
    return services.active_model(ModelKind.CATEGORY)
