"""The translation catalogues: where they are, compiling them without GNU gettext, checking them.

Catalogues live in `<app>/locale/<lang>/LC_MESSAGES/<domain>.po` and, for the project's templates,
static JS and settings, in `locale/`. `makemessages` (GNU gettext) updates them; compiling uses
Babel, which `requirements.txt` already installs, so a machine without gettext still serves French.
Nothing here needs Django's settings: the test configuration compiles before Django starts.
"""

from dataclasses import dataclass
from pathlib import Path

from babel.messages.checkers import python_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ("locale/*/LC_MESSAGES/*.po", "*/locale/*/LC_MESSAGES/*.po")


def po_files(root=ROOT, language=None):
    found = (path for pattern in PATTERNS for path in root.glob(pattern) if not path.parts[len(root.parts)].startswith("."))
    return sorted(path for path in found if language is None or path.parts[-3] == language)


def _read(path):
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parts[-3], abort_invalid=True)


def compile_catalogues(root=ROOT, force=False):
    """Write each .mo beside its .po when missing or older; return the .po files compiled."""
    compiled = []
    for po in po_files(root):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = _read(po)
            tmp = mo.with_suffix(".mo.tmp")
            with tmp.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            tmp.replace(mo)  # atomic: a running server never reads half a file
            compiled.append(po)
    return compiled


@dataclass
class Problem:
    path: Path
    msgid: str
    kind: str  # "untranslated", "fuzzy", "placeholders", "header"

    def __str__(self):
        return f"{self.path}: {self.kind}: {self.msgid!r}"


def problems(path):
    """Every entry of one catalogue that would show English, or fail, on a page."""
    catalog = _read(path)
    found = []
    if catalog.fuzzy:
        found.append(Problem(path, "", "header"))
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(strings):
            found.append(Problem(path, msgid, "untranslated"))
        elif message.fuzzy:
            found.append(Problem(path, msgid, "fuzzy"))
        else:
            try:
                python_format(catalog, message)
            except Exception as exc:  # babel raises TranslationError with the mismatch
                found.append(Problem(path, f"{msgid} ({exc})", "placeholders"))
    return found


def translations(root=ROOT, language="fr", domain="django"):
    """{(context, msgid): (msgstr, path)} over every catalogue of `language`, for consistency checks."""
    table = {}
    for path in po_files(root, language):
        if path.stem != domain:
            continue
        for message in _read(path):
            if message.id and not message.fuzzy:
                table.setdefault((message.context, message.id), []).append((message.string, path))
    return table
