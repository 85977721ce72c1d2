"""SVG charts for the dashboards and the dossier (no JavaScript, no external assets)."""
