"""`jinlin bench --in-process` on the generated street: every phase answers in its shape."""

from jinlin.ops.bench.inproc import run_in_process


def test_the_in_process_run_measures_intake_with_and_without_notify_the_sweep_and_dashboards(
    street, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = run_in_process(intakes=2, warm=1, repeats=1)
    intake = result["intake"]
    assert intake["errors"] == {}
    for mode in ("notify_on", "notify_off"):
        assert intake[mode]["cpu_ms"]["n"] == 2
        assert intake[mode]["queries"]["median"] > 5
    assert set(intake["notify_share_of_intake_cpu"]) == {"median", "trimmed_mean"}
    assert result["sla_sweep"]["catch_up"]["queries"] > 0
    assert {k: v["status"] for k, v in result["dashboard"].items()} == {
        "top": [200],
        "street": [200],
        "community": [200],
    }
