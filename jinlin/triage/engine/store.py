"""Models as bytes for the database: a short header, then a zlib-compressed pickle.

The header carries the format version and metadata in JSON, readable without unpickling, so a
model from an incompatible release is refused with a clear message instead of failing deep in
scikit-learn. Only bytes this platform wrote to its own database are ever loaded: unpickling
executes code, so never load a model from an uploaded file.
"""

import json
import pickle
import zlib

import numpy as np

MAGIC = b"JINLIN-TRIAGE\n"
FORMAT_VERSION = 1


class ModelFormatError(ValueError):
    pass


def _sklearn_version() -> str:
    # Imported on use: the header check runs only when a model is stored or loaded, and
    # unpickling a model imports scikit-learn anyway.
    import sklearn

    return sklearn.__version__


def dumps(model, *, kind: str, metadata: dict | None = None) -> bytes:
    header = {
        "format": FORMAT_VERSION,
        "kind": kind,
        "sklearn": _sklearn_version(),
        "numpy": np.__version__,
        "metadata": metadata or {},
    }
    head = json.dumps(header, ensure_ascii=False, default=str).encode()
    body = zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), level=3)
    return MAGIC + len(head).to_bytes(4, "big") + head + body


def read_header(blob: bytes) -> dict:
    blob = bytes(blob)
    if not blob.startswith(MAGIC):
        raise ModelFormatError("Not a triage model.")
    size = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "big")
    return json.loads(blob[len(MAGIC) + 4 : len(MAGIC) + 4 + size])


def loads(blob: bytes):
    """(model, header). Refuses other format versions and other scikit-learn releases, whose
    pickles are not guaranteed compatible; retraining is the remedy."""
    blob = bytes(blob)
    header = read_header(blob)
    if header["format"] != FORMAT_VERSION:
        raise ModelFormatError(f"Model format {header['format']} is not {FORMAT_VERSION}; retrain the model.")
    if header["sklearn"] != (version := _sklearn_version()):
        raise ModelFormatError(
            f"Model was trained with scikit-learn {header['sklearn']}, this is {version}; retrain it."
        )
    start = len(MAGIC) + 4 + int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "big")
    return pickle.loads(zlib.decompress(blob[start:])), header  # noqa: S301 - our own database only
