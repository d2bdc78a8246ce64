"""An agency's CSV file, read for ``sesame import-accounts``.

Rows stream with their line numbers. A line that cannot be read (bytes that
are not UTF-8, a field past ``MAX_FIELD`` characters, a NUL) becomes one
rejected line with its reason, as a row with a bad value does; the lines
around it are imported. Only a file that is not a CSV with the expected
header at all (a binary file, an empty one, a missing column) is refused
whole, before anything is imported. The optional columns (``agency_name``,
``property``) are read when the header names them; a file without them
imports as before.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from application.account_import import COLUMNS, Unreadable

MAX_FIELD = 64 * 1024  # a name or an email is a few hundred characters
NOT_UTF8 = "caractères illisibles : le fichier doit être enregistré en UTF-8"


class UnusableFile(Exception):
    """The file as a whole cannot be imported; the message says why, in French."""


class CsvRows:
    """The file's rows as (line number, fields by column) or (line number, Unreadable)."""

    def __init__(self, path: Path, progress: Any = None) -> None:
        self.progress = progress
        try:
            self.binary = path.open("rb")
        except FileNotFoundError as error:
            raise UnusableFile("fichier introuvable") from error
        except OSError as error:
            raise UnusableFile(
                "fichier illisible : un dossier, ou des droits qui ne permettent pas de le lire"
            ) from error
        # Undecodable bytes become lone surrogates, found per row below, so
        # one bad line never stops the reading of the next ones.
        self.text = io.TextIOWrapper(self.binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
        self.reader = csv.reader(self.text)
        try:
            self.header = self._header()
        except UnusableFile:
            self.close()
            raise

    def _header(self) -> list[str]:
        try:
            header = next(self.reader, None)
        except csv.Error as error:
            raise UnusableFile(f"ce fichier n'est pas un CSV en UTF-8 ({_why(error)})") from error
        if not header:
            raise UnusableFile("le fichier est vide : la première ligne doit nommer les colonnes")
        if not _readable(header):
            raise UnusableFile("ce fichier n'est pas un CSV en UTF-8 : l'en-tête est illisible")
        names = [name.strip() for name in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise UnusableFile(f"colonnes manquantes dans l'en-tête : {', '.join(missing)}")
        return names

    def __iter__(self) -> Iterator[tuple[int, dict[str, str] | Unreadable]]:
        while True:
            try:
                values = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield self.reader.line_num, Unreadable(f"ligne illisible : {_why(error)}")
                continue
            if self.progress is not None:
                self.progress.update(self.binary.tell() - self.progress.n)
            if not values:  # a blank line
                continue
            if not _readable(values):
                yield self.reader.line_num, Unreadable(NOT_UTF8)
                continue
            # A short or long row: the row checks say what is missing.
            yield self.reader.line_num, dict(zip(self.header, values, strict=False))

    def close(self) -> None:
        self.text.close()


def _readable(values: list[str]) -> bool:
    """No byte that was not UTF-8 (kept as a lone surrogate) in these fields."""
    try:
        "".join(values).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _why(error: csv.Error) -> str:
    text = str(error)
    if "field limit" in text:
        return f"un champ dépasse {MAX_FIELD} caractères"
    if "NUL" in text:
        return "caractère NUL (fichier binaire ?)"
    return "CSV mal formé"


csv.field_size_limit(MAX_FIELD)
