"""The French catalogue is complete, consistent and compiled.

The completeness check runs `makemessages` (GNU gettext, which bin/install-system-deps installs)
over a copy of the whole project, so that a string wrapped but not yet in the catalogue, or changed
since it was translated, fails here exactly as it would after a developer ran the command.
"""

import shutil
import subprocess
import sys

import pytest
from django.utils import translation

from core import catalogues

IGNORED = shutil.ignore_patterns(".git", ".venv", "var", "node_modules", "__pycache__", "*.mo", "media", ".pytest_cache")


@pytest.fixture(scope="module")
def project_after_makemessages(tmp_path_factory):
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is not installed (bin/install-system-deps installs it where apt-get can run)")
    copy = tmp_path_factory.mktemp("project") / "webox"
    shutil.copytree(catalogues.ROOT, copy, ignore=IGNORED)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr"], cwd=copy, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return copy


def test_french_catalogue_has_no_untranslated_or_fuzzy_entry_after_makemessages(project_after_makemessages):
    files = catalogues.po_files(project_after_makemessages, "fr")
    assert files, "no French catalogue found"
    found = [problem for path in files for problem in catalogues.problems(path)]
    report = "\n".join(str(p).replace(str(project_after_makemessages) + "/", "") for p in found[:40])
    assert not found, f"{len(found)} French entries to fix (run makemessages -l fr, then translate):\n{report}"


def test_makemessages_files_each_string_in_its_apps_catalogue(project_after_makemessages):
    base = catalogues.po_files(project_after_makemessages / "accounts", "fr")
    assert base and "Same as my organization" in base[0].read_text()
    project = (project_after_makemessages / "locale/fr/LC_MESSAGES/django.po").read_text()
    assert "Skip to content" in project and "Same as my organization" not in project


def test_a_string_shared_by_two_catalogues_has_one_translation():
    for (context, msgid), entries in catalogues.translations().items():
        strings = {string for string, _ in entries}
        assert len(strings) == 1, f"{msgid!r} ({context}) is translated differently in {[str(p) for _, p in entries]}"


def test_the_catalogues_compile_without_gnu_gettext(tmp_path):
    copy = tmp_path / "webox"
    shutil.copytree(catalogues.ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", "var", "node_modules", "*.mo"))
    compiled = catalogues.compile_catalogues(copy)
    assert compiled and all(path.with_suffix(".mo").stat().st_size for path in compiled)
    assert catalogues.compile_catalogues(copy) == []  # up to date: nothing to do


def test_pages_are_served_from_the_compiled_catalogue():
    with translation.override("fr"):
        assert translation.gettext("Log in") == "Se connecter"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
