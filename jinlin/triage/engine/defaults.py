"""Defaults shared by the engine and the command line (no heavy imports here)."""

SEED = 42  # cross-validation folds and models: the same figures on every run
TARGET_PRECISION = 0.95  # auto-dispatched cases must be at least this often right
DUPLICATE_THRESHOLD = 0.4  # estimated Jaccard similarity of character bigram sets
HOTSPOT_SIMILARITY = 0.2  # cosine similarity of character 2–3-gram TF-IDF vectors
