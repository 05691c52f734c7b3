"""Support test setup.

Billing's `current_plan` and usage's storage functions belong to apps written in parallel; the
tests stand them in (patched on the real module when it imports, or a stand-in module otherwise)
so support's behaviour is checked on its own: the plan tier a test chooses, and every storage
adjustment recorded against a limit the test sets.
"""

import importlib
import sys
import types
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory, login_with_2fa
from core.errors import QuotaExceeded
from support.models import AGENTS_GROUP, LEADS_GROUP


def patch_contract(monkeypatch, module_name, name, function):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        module = types.ModuleType(module_name)
        monkeypatch.setitem(sys.modules, module_name, module)
    monkeypatch.setattr(module, name, function, raising=False)


@pytest.fixture(autouse=True)
def plan(monkeypatch):
    """`plan.tier = "pro"` puts every organization on that tier (None: no plan)."""
    state = SimpleNamespace(tier=None)

    def current_plan(*, organization):
        return SimpleNamespace(tier=state.tier, code=state.tier) if state.tier else None

    patch_contract(monkeypatch, "billing.selectors", "current_plan", current_plan)
    return state


@pytest.fixture(autouse=True)
def storage(monkeypatch):
    """Storage usage per organization id, with an optional limit in bytes."""
    state = SimpleNamespace(used={}, limit=None, adjustments=[])

    def check_quota(*, organization, metric, amount):
        assert metric == "storage_bytes"
        if state.limit is not None and state.used.get(organization.pk, 0) + amount > state.limit:
            raise QuotaExceeded("This would exceed your plan's storage.")

    def adjust_storage(*, organization, delta_bytes):
        state.adjustments.append((organization.pk, delta_bytes))
        state.used[organization.pk] = state.used.get(organization.pk, 0) + delta_bytes

    patch_contract(monkeypatch, "usage.services", "check_quota", check_quota)
    patch_contract(monkeypatch, "usage.services", "adjust_storage", adjust_storage)
    return state


@pytest.fixture
def agent(db):
    user = UserFactory(email="sam.agent@webox.test", first_name="Sam", last_name="Agent", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS_GROUP))
    return user


@pytest.fixture
def other_agent(db):
    user = UserFactory(email="kim.agent@webox.test", first_name="Kim", last_name="Agent", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS_GROUP))
    return user


@pytest.fixture
def lead(db):
    user = UserFactory(email="lea.lead@webox.test", first_name="Léa", last_name="Lead", is_staff=True)
    user.groups.add(Group.objects.get(name=LEADS_GROUP))
    return user


@pytest.fixture
def agent_client(agent):
    from django.test import Client

    client = Client()  # not the shared `client`: a test may use a customer's session beside it
    return login_with_2fa(client, agent)


@pytest.fixture
def pushes(monkeypatch):
    """Every payload sent to a user's socket, as (user id, payload)."""
    sent = []
    monkeypatch.setattr("notifications.services._push", lambda user_id, payload: sent.append((user_id, payload)))
    return sent


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
