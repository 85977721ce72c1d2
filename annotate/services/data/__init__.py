"""Data in and out: imports (JSONL, CSV, Label Studio), dataset exports, spreadsheet safety."""
