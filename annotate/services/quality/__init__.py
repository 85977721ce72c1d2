"""Quality: the project report, supervision, the metrics CSV and the dossier's data."""
