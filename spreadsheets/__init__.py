"""The spreadsheet toolkit every import and export uses: one reader, one date parser, one
row-error type, one formula-escaping writer. A plain package, not a Django app: it knows nothing
of the project's models, so any app may use it without importing another app.

- `reading`: `read_table` (.xlsx, or .csv in UTF-8 or GB18030) into a `Table`; `cell_text`;
  `heading` (a column heading as it is meant).
- `dates`: `parse_date`, every way a date cell is written.
- `errors`: `RowError`, `FileRefused`, `ImportRefused`.
- `writing`: `safe_cell`, `xlsx_bytes`, `csv_bytes`, `xlsx_response`, `template_xlsx`.
"""

from .dates import parse_date
from .errors import FileRefused, ImportRefused, RowError
from .reading import MAX_ROWS, Table, cell_text, heading, read_table
from .writing import (
    CSV_TYPE,
    DANGEROUS_LEADS,
    XLSX_TYPE,
    csv_bytes,
    safe_cell,
    template_xlsx,
    xlsx_bytes,
    xlsx_response,
)

__all__ = [
    "CSV_TYPE",
    "DANGEROUS_LEADS",
    "MAX_ROWS",
    "XLSX_TYPE",
    "FileRefused",
    "ImportRefused",
    "RowError",
    "Table",
    "cell_text",
    "csv_bytes",
    "heading",
    "parse_date",
    "read_table",
    "safe_cell",
    "template_xlsx",
    "xlsx_bytes",
    "xlsx_response",
]
