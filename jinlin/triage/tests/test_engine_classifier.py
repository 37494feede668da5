import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jinlin.triage.engine import classifier, store
from jinlin.triage.engine.keywords import KeywordClassifier
from jinlin.triage.engine.threshold import choose_threshold, wilson_lower_bound


def test_trained_model_suggests_the_right_category_first_with_probabilities_summing_to_one(trained):
    suggestions = trained.suggest("晚上小区门口的路灯全都不亮，黑乎乎的走路摔了一跤", "路灯不亮")
    assert suggestions[0].label == "路灯"
    assert len(suggestions) == 3
    assert [s.probability for s in suggestions] == sorted((s.probability for s in suggestions), reverse=True)
    proba = trained.predict_proba(["楼下烧烤店半夜还很吵"], [""])
    assert np.isclose(proba.sum(), 1.0)


def test_training_chooses_a_threshold_that_is_precise_on_its_own_out_of_fold_predictions(trained):
    auto = trained.metadata["auto_dispatch"]
    assert trained.threshold is not None and 0 < trained.threshold <= 1
    assert auto["precision"] >= 0.95
    assert 0 < auto["coverage"] <= 1


def test_a_category_seen_once_is_left_out_of_training_and_listed(corpus):
    texts = [m.text for m in corpus[:80]] + ["河边的柳树被人砍了"]
    labels = [m.label for m in corpus[:80]] + ["绿化"]
    model = classifier.train(texts, labels)
    assert "绿化" not in model.classes_
    assert model.metadata["skipped_rare"] == {"绿化": 1}


def test_training_refuses_history_with_a_single_category():
    try:
        classifier.train(["路灯坏了", "路灯不亮", "路灯闪烁"], ["路灯"] * 3)
    except classifier.TrainingError as exc:
        assert "two categories" in str(exc)
    else:
        raise AssertionError("a single category must be refused")


def test_a_model_survives_serialisation_with_identical_probabilities(trained):
    blob = store.dumps(trained, kind="category", metadata={"n": 240})
    assert store.read_header(blob)["metadata"] == {"n": 240}
    loaded, header = store.loads(blob)
    assert header["kind"] == "category"
    texts = ["垃圾桶满了没人清运", "暖气片不热"]
    assert np.allclose(loaded.predict_proba(texts), trained.predict_proba(texts))


def test_bytes_that_are_not_a_model_are_refused_before_unpickling():
    try:
        store.loads(b"\x80\x04not a model")
    except store.ModelFormatError:
        pass
    else:
        raise AssertionError("foreign bytes must be refused")


def test_the_precision_bound_is_below_the_observed_precision_and_tightens_with_more_evidence():
    assert wilson_lower_bound(19, 20) < 0.95
    assert wilson_lower_bound(190, 200) < 0.95 < wilson_lower_bound(1900, 1950)
    assert wilson_lower_bound(20, 20) > wilson_lower_bound(10, 10)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1, allow_nan=False), st.booleans()), min_size=1, max_size=80),
    st.sampled_from([0.5, 0.8, 0.95]),
)
def test_threshold_covers_the_largest_set_whose_precision_bound_meets_the_target(pairs, target):
    confidence = np.array([c for c, _ in pairs])
    correct = np.array([ok for _, ok in pairs])
    t = choose_threshold(confidence, correct, target)
    cuts = sorted(set(confidence.tolist()), reverse=True)
    feasible = [
        c for c in cuts if wilson_lower_bound(correct[confidence >= c].sum(), (confidence >= c).sum()) >= target
    ]
    if t is None:
        assert feasible == []
    else:
        assert correct[confidence >= t].mean() >= target
        assert t == min(feasible)


def test_keyword_rules_from_category_names_suggest_without_history():
    rules = KeywordClassifier(["路灯照明", "噪音扰民", "城乡建设/市容环境/垃圾清运", "物业管理", "供暖"])
    top = rules.suggest("楼下的垃圾好几天没有清运了", "")
    assert top[0].label == "城乡建设/市容环境/垃圾清运"
    assert rules.suggest("路灯坏了")[0].label == "路灯照明"
    assert rules.suggest("今天天气不错") == []
    assert not rules.auto_dispatchable(top[0])
