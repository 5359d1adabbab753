"""Many articles at once: what `extractor extract` does (`driver`), the concurrent, resumable run
(`concurrent`), the run store in SQLite (`store`), progress on standard error (`progress`), and
prices (`pricing`)."""
