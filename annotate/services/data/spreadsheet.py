"""Spreadsheet safety for every CSV the product writes (metrics, dataset, transcript, dossier)."""

#: A text cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(cell: str) -> str:
    """Neutralise a text cell against spreadsheet formula injection (a leading ``'``)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell
