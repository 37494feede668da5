"""`jinlin triage evaluate|train|duplicates|hotspots|benchmark --data FILE.csv …`

The command line the team uses to check triage on real data (see docs/triage.md). Every
subcommand reads a CSV in UTF-8 or GB18030; a bad file stops with a message naming the data row
and column and exit status 2, never a traceback. Row ids in the output are 0-based data row
numbers (blank lines do not count) unless --id-column names a column of unique ids.
"""

import json
import os
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from jinlin.triage.engine.defaults import DUPLICATE_THRESHOLD, HOTSPOT_SIMILARITY, SEED
from jinlin.triage.engine.errors import TableError, TrainingError
from jinlin.triage.engine.table import Table, read_table
from jinlin.triage.models import ModelKind

# The engine's other modules load scikit-learn (seconds); they are imported where used, so that
# a bad file or option is reported at once.

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Smart triage: evaluate and train classifiers, find duplicates and hotspots in a CSV file."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        def data_parser(name: str, help: str, *, data_required: bool = True):
            p = actions.add_parser(name, help=help)
            p.add_argument("--data", required=data_required, help="CSV file, UTF-8 (with or without BOM) or GB18030.")
            p.add_argument("--text-column", required=data_required, help="Column with the message text.")
            p.add_argument("--title-column", help="Column with the message title, if any.")
            p.add_argument("--json", action="store_true", help="Print one line of JSON.")
            return p

        p = data_parser("evaluate", "Cross-validate the platform's classifier next to a baseline.")
        p.add_argument("--label-column", required=True)
        p.add_argument("--folds", type=int, default=5)
        p.add_argument("--seed", type=int, default=SEED)
        p.add_argument("--no-baseline", action="store_true", help="Skip the baseline (faster).")

        p = data_parser("train", "Train a model on the file and store it in the database.")
        p.add_argument("--label-column", required=True)
        p.add_argument("--kind", choices=ModelKind.values, default=ModelKind.CATEGORY)
        p.add_argument("--no-activate", action="store_true", help="Store the model without making it active.")

        p = data_parser("duplicates", "Groups of near-duplicate messages.")
        p.add_argument("--id-column", help="Column of unique row ids to print instead of row numbers.")
        p.add_argument("--place-column", help="Only messages at the same place (or a place within it) match.")
        p.add_argument(
            "--threshold", type=float, default=DUPLICATE_THRESHOLD, help="Estimated Jaccard similarity (0–1)."
        )

        p = data_parser("hotspots", "Clusters of similar messages ranked by size and growth.")
        p.add_argument("--id-column")
        p.add_argument("--time-column", help="Posting time; enables growth (recent vs previous window).")
        p.add_argument("--weight-column", help="Supports (+1s) per message; a message weighs 1 + supports.")
        p.add_argument("--place-column", help="Only messages at the same place cluster together.")
        p.add_argument("--top", type=int, default=20)
        p.add_argument("--window-days", type=int, default=30)
        p.add_argument("--similarity", type=float, default=HOTSPOT_SIMILARITY)
        p.add_argument("--min-size", type=int, default=3)
        p.add_argument(
            "--purity-column",
            action="append",
            default=[],
            help="A column of known labels (the problem, the place); prints how pure the hotspots are by it.",
        )

        p = actions.add_parser(
            "hotspot-purity",
            help="Hotspots of the platform's own cases, clustered per community as the dashboard does, "
            "and their purity by case title (the demo's cases are titled with the problem they came from).",
        )
        p.add_argument("--days", type=int, default=120)
        p.add_argument("--json", action="store_true", help="Print one line of JSON.")

        p = data_parser("benchmark", "Time training, suggestion and duplicate lookup.", data_required=False)
        p.add_argument("--label-column")
        p.add_argument("--rows", type=int, default=10000, help="Train on this many messages (resampled).")
        p.add_argument("--open-cases", type=int, default=100000, help="Synthetic open cases for duplicate lookup.")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, action.replace("-", "_"))(options)
        except (TableError, TrainingError) as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None

    # Reading ------------------------------------------------------------------------------

    def _read(self, options, *columns: str | None) -> Table:
        table = read_table(options["data"])
        for column in (options["text_column"], options.get("title_column"), *columns):
            if column:
                table.index(column)
        return table

    def _ids(self, table: Table, column: str | None) -> list:
        if not column:
            return list(range(len(table)))
        seen: dict[str, int] = {}
        for row, value in enumerate(table.column(column)):
            if not value:
                raise TableError(f"{table.where(row, column)}: the id is empty.")
            if value in seen:
                raise TableError(f"{table.where(row, column)}: id {value!r} repeats data row {seen[value]}.")
            seen[value] = row
        return table.column(column)

    def _labelled(self, table: Table, options) -> tuple[list[str], list[str], list[str], dict]:
        texts = table.column(options["text_column"])
        titles = table.column(options["title_column"]) if options.get("title_column") else [""] * len(table)
        labels = table.column(options["label_column"])
        keep = [i for i in range(len(table)) if labels[i] and (texts[i] or titles[i])]
        skipped = {
            "empty_label": sum(1 for label in labels if not label),
            "empty_text": sum(1 for i in range(len(table)) if labels[i] and not (texts[i] or titles[i])),
        }
        return [texts[i] for i in keep], [titles[i] for i in keep], [labels[i] for i in keep], skipped

    def _emit(self, options, result: dict, lines: list[str]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
        else:
            self.stdout.write("\n".join(lines))

    # Subcommands ----------------------------------------------------------------------------

    def evaluate(self, options) -> None:
        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2.", returncode=BAD_INPUT)
        table = self._read(options, options["label_column"])
        texts, titles, labels, skipped = self._labelled(table, options)
        from jinlin.triage.engine import evaluation

        result = evaluation.evaluate(
            texts,
            labels,
            titles if options.get("title_column") else None,
            folds=options["folds"],
            seed=options["seed"],
            baseline=not options["no_baseline"],
        )
        result["skipped"] |= skipped
        result["encoding"] = table.encoding
        auto = result["auto_dispatch"]
        lines = [
            f"{result['n']} messages, {len(result['per_class'])} categories, {result['folds']}-fold cross-validation",
            f"macro-F1 {result['macro_f1']:.4f}   accuracy {result['accuracy']:.4f}",
        ]
        if "baseline" in result:
            base = result["baseline"]
            lines.append(
                f"baseline ({base['model']}): macro-F1 {base['macro_f1']:.4f}   accuracy {base['accuracy']:.4f}"
            )
        lines.append(
            f"auto-dispatch: threshold {auto['threshold']}, precision {auto['precision']}, coverage {auto['coverage']}"
        )
        for label, m in result["per_class"].items():
            lines.append(
                f"  {label:<16} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  n {m['support']}"
            )
        lines.append(f"skipped: {json.dumps(result['skipped'], ensure_ascii=False)}")
        self._emit(options, result, lines)

    def train(self, options) -> None:
        from jinlin.triage import services

        table = self._read(options, options["label_column"])
        texts, titles, labels, skipped = self._labelled(table, options)
        rows = [{"text": x, "title": t, "label": y} for x, t, y in zip(texts, titles, labels, strict=True)]
        record = services.train_from_rows(
            actor=None,
            rows=rows,
            kind=options["kind"],
            source=str(options["data"])[-200:],
            activate=not options["no_activate"],
        )
        auto = record.metrics["auto_dispatch"]
        result = {
            "kind": record.kind,
            "version": record.version,
            "active": record.is_active,
            "n": record.metrics["n"],
            "classes": len(record.metrics["classes"]),
            "skipped": skipped | {"rare_classes": record.metrics["skipped_rare"]},
            "auto_dispatch": auto,
            "size_bytes": record.size,
            "seconds": record.metrics["seconds"],
        }
        self._emit(
            options,
            result,
            [
                f"Stored {record.kind} model v{record.version} ({'active' if record.is_active else 'inactive'}), "
                f"{result['n']} messages, {result['classes']} categories, {record.size / 1e6:.1f} MB, "
                f"{result['seconds']} s.",
                f"Auto-dispatch threshold {auto['threshold']} (coverage {auto['coverage']:.3f} in cross-validation).",
            ],
        )

    def duplicates(self, options) -> None:
        table = self._read(options, options.get("id_column"), options.get("place_column"))
        ids = self._ids(table, options.get("id_column"))
        texts = table.column(options["text_column"])
        if options.get("title_column"):
            texts = [f"{t} {x}" for t, x in zip(table.column(options["title_column"]), texts, strict=True)]
        places = table.column(options["place_column"]) if options.get("place_column") else None
        from jinlin.triage.engine.duplicates import DuplicateIndex

        started = time.monotonic()
        index = DuplicateIndex(threshold=options["threshold"])
        index.add_many(ids, texts, places)  # type: ignore[arg-type]
        groups = index.groups()
        result = {
            "groups": groups,
            "n": len(table),
            "duplicates": sum(len(g) for g in groups),
            "threshold": options["threshold"],
            "seconds": round(time.monotonic() - started, 2),
        }
        self._emit(
            options,
            result,
            [f"{len(groups)} groups, {result['duplicates']} of {len(table)} messages"]
            + [" ".join(str(i) for i in g) for g in groups],
        )

    def hotspots(self, options) -> None:
        columns = ("id_column", "time_column", "weight_column", "place_column")
        table = self._read(options, *(options.get(c) for c in columns), *options["purity_column"])
        times = table.times(options["time_column"]) if options.get("time_column") else None
        weights = table.numbers(options["weight_column"]) if options.get("weight_column") else None
        ids = self._ids(table, options.get("id_column"))
        from jinlin.triage.engine.hotspots import find_hotspots

        started = time.monotonic()
        spots = find_hotspots(
            table.column(options["text_column"]),
            table.column(options["title_column"]) if options.get("title_column") else None,
            times=times,
            weights=weights,
            places=table.column(options["place_column"]) if options.get("place_column") else None,
            ids=ids,
            window_days=options["window_days"],
            similarity=options["similarity"],
            min_size=options["min_size"],
            top=options["top"],
        )
        result = {
            "hotspots": [{"rank": i + 1} | s.as_dict() for i, s in enumerate(spots)],
            "n": len(table),
            "seconds": round(time.monotonic() - started, 2),
        }
        if options["purity_column"]:
            from jinlin.triage.engine.hotspots import purity

            result["purity"] = {
                column: purity(spots, dict(zip(ids, table.column(column), strict=True)))
                for column in options["purity_column"]
            }
        self._emit(
            options,
            result,
            [
                f"{i + 1:>2}. score {s.score:g}  {s.size} messages  {' '.join(s.keywords)}  — {s.example}"
                for i, s in enumerate(spots)
            ],
        )

    def hotspot_purity(self, options) -> None:
        from jinlin.triage.adapter import case_hotspot_purity

        result = case_hotspot_purity(days=options["days"])
        self._emit(
            options,
            result,
            [f"{result['hotspots']} hotspots of {result['cases']} cases, purity by problem {result['purity']}"],
        )

    def benchmark(self, options) -> None:
        result = benchmark(options, self._read if options.get("data") else None)
        self._emit(options, result, [f"{key}: {value}" for key, value in result.items()])


def _perturbed(text: str, rng: random.Random) -> str:
    # Resampled rows lose a tenth of their characters so that no two training texts are equal.
    return "".join(ch for ch in text if rng.random() > 0.1)


def benchmark(options, read) -> dict:
    from jinlin.triage.engine import classifier, store, synthetic
    from jinlin.triage.engine.duplicates import DuplicateIndex

    rng = random.Random(0)
    if read is not None:
        if not options.get("label_column"):
            raise CommandError("benchmark --data needs --label-column.", returncode=BAD_INPUT)
        table = read(options, options["label_column"])
        texts, titles, labels, _ = Command()._labelled(table, options)
        source = options["data"]
    else:
        messages = synthetic.corpus(options["rows"], seed=1, noise=0.1)
        texts, titles, labels = [m.text for m in messages], [m.title for m in messages], [m.label for m in messages]
        source = "synthetic"
    picks = [i % len(texts) for i in range(options["rows"])]
    rng.shuffle(picks)
    seen: set[int] = set()
    train_texts, train_titles = [], []
    for i in picks:
        first = i not in seen
        seen.add(i)
        train_texts.append(texts[i] if first else _perturbed(texts[i], rng))
        train_titles.append(titles[i])
    train_labels = [labels[i] for i in picks]

    wall, cpu = time.perf_counter(), time.process_time()
    model = classifier.train(train_texts, train_labels, train_titles)
    train_wall, train_cpu = time.perf_counter() - wall, time.process_time() - cpu

    # Wall time and CPU time per call: on a machine shared with other work the wall time
    # includes waiting for a core, the CPU time does not.
    probe = rng.sample(range(len(texts)), min(500, len(texts)))
    probes = [(_perturbed(texts[i], rng), titles[i]) for i in probe]
    latencies, suggest_cpu = [], time.process_time()
    for text, title in probes:
        started = time.perf_counter()
        model.suggest(text, title)
        latencies.append((time.perf_counter() - started) * 1000)
    suggest_cpu = (time.process_time() - suggest_cpu) * 1000 / len(probe)

    cases = synthetic.corpus(options["open_cases"], seed=2)
    index = DuplicateIndex()
    started = time.perf_counter()
    index.add_many(list(range(len(cases))), [f"{c.title} {c.text}" for c in cases])
    build = time.perf_counter() - started
    probe_rng = random.Random(3)
    queries = [synthetic.message(probe_rng, c.label, c.place) for c in probe_rng.sample(cases, 300)]
    lookups, lookup_cpu = [], time.process_time()
    for q in queries:
        started = time.perf_counter()
        index.query(f"{q.title} {q.text}")
        lookups.append((time.perf_counter() - started) * 1000)
    lookup_cpu = (time.process_time() - lookup_cpu) * 1000 / len(queries)

    def q(values, p):  # type: ignore[no-redef]
        return round(statistics.quantiles(values, n=100)[p - 1], 2)

    return {
        "source": str(source),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "train_rows": len(train_texts),
        "train_seconds_wall": round(train_wall, 1),
        "train_seconds_cpu": round(train_cpu, 1),
        "model_megabytes": round(len(store.dumps(model, kind="category")) / 1e6, 1),
        "suggest_ms_mean": round(statistics.mean(latencies), 2),
        "suggest_ms_p95": q(latencies, 95),  # type: ignore[operator]
        "suggest_cpu_ms_mean": round(suggest_cpu, 2),
        "open_cases": len(cases),
        "duplicate_index_build_seconds": round(build, 1),
        "duplicate_lookup_ms_mean": round(statistics.mean(lookups), 2),
        "duplicate_lookup_ms_p95": q(lookups, 95),  # type: ignore[operator]
        "duplicate_lookup_cpu_ms_mean": round(lookup_cpu, 2),
    }
