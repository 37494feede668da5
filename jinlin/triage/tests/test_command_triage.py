import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, load_command_class

from jinlin.triage.engine import synthetic

from .conftest import write_csv

HEADER = ["编号", "标题", "内容", "分类", "时间", "点赞"]


@pytest.fixture(scope="module")
def messages_csv(tmp_path_factory):
    corpus = synthetic.corpus(150, seed=8, labels=["路灯", "噪音", "垃圾"], noise=0.02)
    rows = [
        [f"m{i}", m.title, f"\n\t\u3000{m.text}\xa0", m.label, f"2024-05-{1 + i % 28:02d} 10:00:00", str(i % 3)]
        for i, m in enumerate(corpus)
    ]
    rows.append(["m150", "河边柳树被砍", "河边的柳树被人砍了", "绿化", "2024-05-03 10:00:00", "0"])
    rows.append(["m151", "没有分类", "这一条没有分类", "", "2024-05-03 10:00:00", "0"])
    return write_csv(tmp_path_factory.mktemp("data") / "messages.csv", HEADER, rows, "gb18030")


def run(*args) -> str:
    out = StringIO()
    call_command("triage", *args, stdout=out)
    return out.getvalue()


def test_evaluate_prints_one_json_line_with_sane_figures_and_the_baseline(messages_csv):
    out = run(
        "evaluate", "--data", str(messages_csv), "--text-column", "内容", "--title-column", "标题",
        "--label-column", "分类", "--folds", "3", "--json",
    )  # fmt: skip
    assert out.count("\n") == 1
    result = json.loads(out)
    assert result["n"] == 150 and result["folds"] == 3
    assert set(result["per_class"]) == {"路灯", "噪音", "垃圾"}
    assert sum(m["support"] for m in result["per_class"].values()) == 150
    assert 0.85 <= result["macro_f1"] <= 1 and 0.85 <= result["accuracy"] <= 1
    assert 0 <= result["baseline"]["macro_f1"] <= 1
    auto = result["auto_dispatch"]
    assert set(auto) >= {"threshold", "precision", "coverage"}
    assert 0 <= auto["coverage"] <= 1
    assert result["skipped"]["empty_label"] == 1
    assert result["skipped"]["rare_classes"] == {"绿化": 1}
    assert result["encoding"] == "gb18030"


def test_duplicates_groups_rewordings_by_id_column(tmp_path):
    rows = [
        ["a1", "小区门口的路灯坏了好几天了，晚上一片漆黑，老人出门很不安全"],
        ["a2", "楼下烧烤店每天营业到凌晨，噪音很大无法入睡"],
        ["a3", "小区门口路灯坏了好几天，晚上一片漆黑，老人出门很不安全！"],
    ]
    path = write_csv(tmp_path / "d.csv", ["id", "text"], rows)
    result = json.loads(run("duplicates", "--data", str(path), "--text-column", "text", "--id-column", "id", "--json"))
    assert result["groups"] == [["a1", "a3"]]
    plain = json.loads(run("duplicates", "--data", str(path), "--text-column", "text", "--json"))
    assert plain["groups"] == [[0, 2]]


def test_hotspots_prints_ranked_clusters_with_growth(messages_csv):
    result = json.loads(
        run(
            "hotspots",
            "--data",
            str(messages_csv),
            "--text-column",
            "内容",
            "--title-column",
            "标题",
            "--time-column",
            "时间",
            "--weight-column",
            "点赞",
            "--top",
            "3",
            "--json",
        )  # fmt: skip
    )
    spots = result["hotspots"]
    assert 1 <= len(spots) <= 3
    assert [s["rank"] for s in spots] == list(range(1, len(spots) + 1))
    assert [s["score"] for s in spots] == sorted((s["score"] for s in spots), reverse=True)
    assert {"recent", "previous", "growth", "keywords", "ids"} <= set(spots[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--label-column", "一级标签"], "Column '一级标签' is not in the header"),
        (["--label-column", "分类", "--folds", "1"], "--folds must be at least 2"),
    ],
)
def test_evaluate_refuses_bad_columns_and_options_with_status_2(messages_csv, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        run("evaluate", "--data", str(messages_csv), "--text-column", "内容", *args)
    assert caught.value.returncode == 2


def test_hotspots_names_the_row_and_column_of_a_bad_number(tmp_path):
    path = write_csv(tmp_path / "h.csv", ["text", "likes"], [["路灯坏了", "3"], ["噪音扰民", "很多"]])
    with pytest.raises(CommandError, match=r"Data row 1 \(line 3\), column 'likes': '很多' is not a number"):
        run("hotspots", "--data", str(path), "--text-column", "text", "--weight-column", "likes")


def test_a_ragged_file_exits_with_status_2_and_a_message_without_traceback(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\n路灯坏了,路灯\n噪音扰民\n", encoding="utf-8")
    # The same entry point as `jinlin triage …` on the console, without starting a process.
    command = load_command_class("jinlin.triage", "triage")
    argv = ["jinlin", "triage", "evaluate", "--data", str(path), "--text-column", "text", "--label-column", "label"]
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv([*argv, "--json"])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "Data row 1 (line 3): expected 2 cells as in the header, found 1." in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_benchmark_reports_training_suggestion_and_lookup_times_on_synthetic_text():
    result = json.loads(run("benchmark", "--rows", "150", "--open-cases", "400", "--json"))
    assert result["source"] == "synthetic" and result["train_rows"] == 150
    for key in ("train_seconds_wall", "suggest_ms_mean", "duplicate_lookup_ms_mean", "duplicate_lookup_ms_p95"):
        assert result[key] > 0
