"""Errors meant for the person who supplied the data (kept free of heavy imports, so that a
command can report a bad file before it loads scikit-learn)."""


class TableError(ValueError):
    """A file that cannot be used."""


class TrainingError(ValueError):
    """The history cannot train a model (too few examples or categories)."""
