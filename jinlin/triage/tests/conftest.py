"""Shared test material: a made-up corpus (never real messages) and a model trained on it once."""

import csv
import io

import pytest

from jinlin.triage.engine import classifier, synthetic


@pytest.fixture(scope="session")
def corpus():
    # Four categories, a few labels wrong as in real dispatch history.
    return synthetic.corpus(240, seed=5, labels=["路灯", "噪音", "垃圾", "供暖"], noise=0.03)


@pytest.fixture(scope="session")
def trained(corpus):
    return classifier.train([m.text for m in corpus], [m.label for m in corpus], [m.title for m in corpus])


def write_csv(path, header, rows, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
