"""What an import reports: a bad row with its number, a file refused as a whole, an import refused
for its bad rows. The messages are in Chinese and name the spreadsheet's own row numbers (the
header is row 1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class RowError:
    """Why one row cannot be imported; `row` is None for a problem of the whole file."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.row is None else f"第 {self.row} 行：{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message}


class FileRefused(ValidationError):
    """The file as a whole cannot be imported: unreadable, empty, wrong columns, too long."""


class ImportRefused(ValidationError):
    """An import with bad rows: nothing was saved; `rows` lists every bad row in file order."""

    def __init__(self, rows: list[RowError]):
        self.rows = sorted(rows, key=lambda error: error.row or 0)
        super().__init__([str(r) for r in self.rows])
