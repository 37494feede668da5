"""The triage engine: plain Python, no Django. Text in, suggestions out.

- `classifier.train` / `TriageClassifier.suggest`: categories (or units) with calibrated
  probabilities and an auto-dispatch threshold at 95% precision;
- `evaluation.evaluate`: stratified cross-validation of exactly that training, with a baseline;
- `duplicates.DuplicateIndex`: near-duplicate lookup among open cases;
- `hotspots.find_hotspots`: clusters ranked by size and growth;
- `keywords.KeywordClassifier`: rules from category names when there is no history;
- `store.dumps` / `store.loads`: models as versioned bytes;
- `table.read_table`: CSV files in UTF-8 or GB18030 with precise errors.
"""
