import random

from jinlin.triage.engine import synthetic
from jinlin.triage.engine.duplicates import DuplicateIndex

LAMP = "您好，幸福小区3号楼门口的路灯坏了好几天了，晚上一片漆黑，老人出门很不安全，希望尽快修理。"
LAMP_REWORDED = "幸福小区3号楼门口路灯坏了好几天，晚上一片漆黑，老人出门很不安全！请尽快修理"
NOISE = "阳光花园楼下烧烤店每天营业到凌晨，噪音很大无法入睡，请城管管一管。"


def test_a_near_identical_rewording_is_found_and_an_unrelated_message_is_not():
    index = DuplicateIndex()
    index.add_many(["a", "b"], [LAMP, NOISE])
    found = index.query(LAMP_REWORDED)
    assert [key for key, _ in found] == ["a"]
    assert 0.4 <= found[0][1] <= 1.0


def test_groups_link_rewordings_among_many_other_messages():
    others = synthetic.corpus(300, seed=11)
    texts = [f"{m.title} {m.text}" for m in others] + [LAMP, NOISE, LAMP_REWORDED]
    index = DuplicateIndex()
    index.add_many(list(range(len(texts))), texts)
    groups = index.groups()
    assert [300, 302] in groups
    assert not any(301 in g for g in groups)


def test_the_place_filter_keeps_duplicates_to_the_same_place_or_a_place_within_it():
    index = DuplicateIndex()
    index.add("same-grid", LAMP, place="350102001001001")
    index.add("other-community", LAMP, place="350102001002")
    found = [key for key, _ in index.query(LAMP_REWORDED, place="350102001001")]
    assert found == ["same-grid"]


def test_a_removed_case_is_no_longer_offered_and_additions_after_a_merge_are_found():
    index = DuplicateIndex()
    rng = random.Random(1)
    filler = [synthetic.message(rng, "噪音").text for _ in range(2100)]  # forces a merge of the tail
    index.add_many(list(range(len(filler))), filler)
    index.add("lamp", LAMP)
    assert index.query(LAMP_REWORDED)[0][0] == "lamp"
    index.remove("lamp")
    assert index.query(LAMP_REWORDED) == []
    assert len(index) == 2100


def test_text_without_content_matches_nothing():
    index = DuplicateIndex()
    index.add_many([1, 2], ["！！！", "   "])
    assert index.query("？？") == []
    assert index.groups() == []
