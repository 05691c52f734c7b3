"""Django's makemessages with the project's defaults, so that `manage.py makemessages -l fr` is the
whole command (docs/i18n.md):

- both domains, `django` (Python, templates, email .txt) and `djangojs` (static JS), unless `-d`
  names one;
- the virtualenv, `var/`, node_modules, vendored JS and tests are never scanned;
- file names without line numbers, and no obsolete entries, so that moving code does not touch
  the catalogues and parallel branches rarely conflict in them;
- every app of the project gets its own catalogue (`<app>/locale/`), new apps included;
- a catalogue whose only change would be its POT-Creation-Date is left as it was.
"""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.commands import makemessages

# Tests compare with translated strings; they never define any.
IGNORED = ["var", "node_modules", "static/vendor", "htmlcov", "tests"]
_CREATION_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


class Command(makemessages.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(domain=None)

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        options["add_location"] = options["add_location"] or "file"
        options["no_obsolete"] = True
        (Path(settings.BASE_DIR) / "locale").mkdir(exist_ok=True)
        for app in apps.get_app_configs():  # makemessages files a source under the nearest locale/
            if Path(app.path).parent == Path(settings.BASE_DIR):
                (Path(app.path) / "locale").mkdir(exist_ok=True)
        for domain in [options["domain"]] if options["domain"] else ["django", "djangojs"]:
            super().handle(*args, **{**options, "domain": domain, "ignore_patterns": list(options["ignore_patterns"])})

    def write_po_file(self, potfile, locale):
        po = Path(potfile).parent / locale / "LC_MESSAGES" / f"{self.domain}.po"
        before = po.read_text(encoding="utf-8") if po.exists() else None
        super().write_po_file(potfile, locale)
        after = po.read_text(encoding="utf-8")
        if before is None:
            # A new catalogue: its header is gettext's template (fuzzy, placeholders); make it ours.
            _, body = after.split('msgid ""', 1)
            body = body.replace('"Project-Id-Version: PACKAGE VERSION\\n"', '"Project-Id-Version: WeBox\\n"', 1)
            body = body.replace('"Language: \\n"', f'"Language: {locale}\\n"', 1)
            title = f"# WeBox: {locale} translations. How to update them: docs/i18n.md.\n#\n"
            po.write_text(f'{title}msgid ""{body}', encoding="utf-8")
        elif _CREATION_DATE.sub("", after) == _CREATION_DATE.sub("", before):
            po.write_text(before, encoding="utf-8")
