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


# One estate, many different problems, each raised once or twice, and one raised by five people:
# what the demo and a real community look like. Every message names the estate.
ONE_ESTATE = [
    ("水管爆裂", "银杏家园{b}号楼路边水管爆裂，水流到马路上。", 5),
    ("商店卖过期食品", "银杏家园{b}号楼附近小超市出售过期食品。", 1),
    ("楼道堆放杂物", "银杏家园{b}号楼楼道堆满杂物，物业不处理。", 2),
    ("可疑人员徘徊", "银杏家园{b}号楼附近连续几天有陌生人徘徊。", 1),
    ("建议增设休闲座椅", "银杏家园{b}号楼附近希望增加几张休闲座椅。", 2),
    ("电梯经常故障", "银杏家园{b}号楼电梯这个月坏了三次，物业维修不及时。", 1),
    ("楼顶违建", "银杏家园{b}号楼有住户在楼顶搭建彩钢房。", 1),
]


def _one_estate():
    titles, texts, labels = [], [], []
    for title, text, times in ONE_ESTATE:
        for b in range(times):
            titles.append(title)
            texts.append(text.format(b=b + 1))
            labels.append(title)
    return titles, texts, labels


def test_messages_that_share_only_their_estates_name_do_not_form_a_hotspot_once_place_names_are_left_out():
    titles, texts, labels = _one_estate()
    names = ["银杏家园", *(f"银杏家园{b}号楼" for b in range(1, 6))]
    spots = find_hotspots(texts, titles, stop_phrases=names)
    assert [sorted({labels[i] for i in s.ids}) for s in spots] == [["水管爆裂"]]
    assert spots[0].size == 5


def test_a_problem_raised_once_does_not_join_a_hotspot_through_the_few_words_it_shares_with_it():
    titles, texts, labels = _one_estate()
    spots = find_hotspots(texts, titles, stop_phrases=["银杏家园"], min_size=2)
    for spot in spots:
        assert len({labels[i] for i in spot.ids}) == 1, [labels[i] for i in spot.ids]


def test_purity_is_the_share_of_messages_carrying_their_hotspots_commonest_label():
    from jinlin.triage.engine.hotspots import Hotspot, purity

    spots = [
        Hotspot(ids=[1, 2, 3, 4], size=4, weight=4, score=4, keywords=[], example=""),
        Hotspot(ids=[5, 6], size=2, weight=2, score=2, keywords=[], example=""),
    ]
    labels = {1: "水", 2: "水", 3: "水", 4: "电", 5: "路", 6: ""}
    # 3 of 4 agree in the first; the unlabelled message of the second is not counted.
    assert purity(spots, labels) == round(4 / 5, 3)
    assert purity(spots, {}) is None
