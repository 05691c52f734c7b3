"""The app boundaries of .importlinter: they hold on the tree as it is, and each kind of forbidden
import breaks them (an import added to the real graph, the way a careless change would).

import-linter runs in a process of its own, as `lint-imports` does: the test process has loaded
packages (zope.interface, through Daphne) whose class attributes its option check trips on."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# For each case: build the real graph, add the case's imports, run the contracts; print
# {case: [names of the broken contracts]}.
RUNNER = """
import json, sys
from importlinter import api  # configures import-linter's adapters
from importlinter.application import use_cases
from importlinter.application.app_config import settings

real = settings.GRAPH_BUILDER
cases = json.loads(sys.argv[1])


class GraphWith:
    def __init__(self, extra):
        self.extra = extra

    def build(self, **kwargs):
        graph = real.build(**kwargs)
        for importer, imported in self.extra:
            graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import " + imported)
        return graph


options = use_cases.read_user_options(".importlinter")
use_cases._register_contract_types(options)
result = {}
for name, extra in cases.items():
    settings.configure(GRAPH_BUILDER=GraphWith(extra))
    report = use_cases.create_report(options, cache_dir=None)
    assert not report.could_not_run and not report.invalid_contract_options, name
    result[name] = sorted(contract.name for contract, check in report.get_contracts_and_checks() if not check.kept)
print(json.dumps(result))
"""

FORBIDDEN = {
    "core under accounts": (("core.money", "accounts.models"), "Layers"),
    "a building block reaching up": (("accounts.services", "backoffice.reports"), "Layers"),
    "a cycle between domain apps": (("billing.selectors", "catalog.selectors"), "Layers"),
    "the cycle the delivery registry cut": (("usage.services", "generation.services"), "Layers"),
    "billing's models from the shop": (("catalog.services", "billing.models"), "Other apps use billing only"),
    "a job's model from support": (("support.services.tickets", "generation.models"), "Other apps use generation only"),
    "tickets from the back office": (("backoffice.reports", "support.models"), "Other apps use support only"),
    # The cycles issue 16 cut: coupons below billing and the catalog (their scope is references,
    # billing registers its invoice reads), accounts below notifications (the email sender
    # registry), the back office fed by billing's handlers instead of its models' signals.
    "coupons reading billing": (("coupons.selectors", "billing.selectors"), "Layers"),
    "coupons' scope from the catalog": (("coupons.api.serializers", "catalog.models"), "Layers"),
    "accounts sending through notifications": (("accounts.services", "notifications.services"), "Layers"),
    "billing's models in the back office": (("backoffice.refresh", "billing.models"), "Other apps use billing only"),
}


def _broken_contracts(cases):
    run = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(cases)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(run.stdout)


def test_the_tree_keeps_every_contract_and_each_forbidden_import_breaks_one():
    cases = {"the tree": [], **{name: [list(edge)] for name, (edge, _contract) in FORBIDDEN.items()}}
    broken = _broken_contracts(cases)
    assert broken.pop("the tree") == []
    for name, (_edge, contract) in FORBIDDEN.items():
        assert [found for found in broken[name] if found.startswith(contract)], (name, broken[name])
