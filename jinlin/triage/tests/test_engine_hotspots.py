import random
from datetime import datetime, timedelta

from jinlin.triage.engine import synthetic
from jinlin.triage.engine.hotspots import find_hotspots

END = datetime(2024, 6, 30, 12, 0)


def _messages(rng, label, place, days):
    return [(synthetic.message(rng, label, place), END - timedelta(days=d)) for d in days]


def test_a_growing_cluster_ranks_above_an_equally_large_steady_one():
    rng = random.Random(4)
    growing = _messages(rng, "供暖", "白沙区人民路锦绣家园", [1, 2, 3, 5, 8, 10, 12, 20])
    steady = _messages(rng, "停车", "金桥区光明路康乐新村", [2, 15, 25, 35, 45, 50, 55, 58])
    background = [
        (synthetic.message(rng, label), END - timedelta(days=rng.randint(0, 59)))
        for label in ["路灯", "噪音", "垃圾", "物业", "供水"] * 4
    ]
    items = growing + steady + background
    spots = find_hotspots([m.text for m, _ in items], [m.title for m, _ in items], times=[t for _, t in items], top=5)
    first = spots[0]
    assert set(first.ids) <= set(range(8)) and len(first.ids) >= 6
    assert first.recent > first.previous
    steady_spots = [s for s in spots if set(s.ids) & set(range(8, 16))]
    # A background message may share part of the estate's address and join; most must be steady.
    assert steady_spots and len(set(steady_spots[0].ids) & set(range(8, 16))) >= 6
    assert first.score > steady_spots[0].score
    assert any("锦绣" in k or "暖气" in k or "供暖" in k for k in first.keywords)


def test_supports_weigh_a_cluster_up_without_a_time_column():
    rng = random.Random(6)
    a = [synthetic.message(rng, "路灯", "青石区新华巷怡景公寓") for _ in range(5)]
    b = [synthetic.message(rng, "垃圾", "枫林区友谊街盛世花园") for _ in range(6)]
    items = a + b
    plain = find_hotspots([m.text for m in items], [m.title for m in items])
    assert set(plain[0].ids) <= set(range(5, 11))
    supported = find_hotspots([m.text for m in items], [m.title for m in items], weights=[3] * 5 + [0] * 6)
    assert set(supported[0].ids) <= set(range(5))
    assert supported[0].weight == len(supported[0].ids) * 4


def test_too_few_messages_make_no_hotspot():
    assert find_hotspots(["路灯坏了", "路灯坏了"]) == []
