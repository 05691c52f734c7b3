"""`compilemessages` without GNU gettext: Babel compiles every catalogue of the project.

Replaces Django's command (which needs msgfmt) so that the usual deployment step works on any
machine; `make run`, `make test` and the test configuration call it too.
"""

from django.core.management.base import BaseCommand

from core.catalogues import compile_catalogues, po_files


class Command(BaseCommand):
    help = "Compile the project's .po catalogues into .mo files (Babel; GNU gettext not needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile every catalogue, even the up-to-date ones.")

    def handle(self, *args, **options):
        compiled = compile_catalogues(force=options["force"])
        if options["verbosity"]:
            self.stdout.write(f"{len(compiled)} of {len(po_files())} catalogues compiled.")
