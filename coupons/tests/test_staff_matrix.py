"""One permission model on every surface: each staff role gets, on the coupons API and in the
admin, exactly what its Django permissions say; every change made through the API is audited as
in the admin, and every refused staff attempt is audited too."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory, login_with_2fa, token_with_2fa
from core.models import AuditEntry
from coupons.models import Coupon
from coupons.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

ROLES = ["Finance", "Catalog managers", "Support agents", "Support leads", "superuser"]
# What each role may do with coupons: (list, create, change, deactivate, usages, delete, admin list).
ALLOWED = {
    "Finance": (True, True, True, True, True, False, True),
    "Catalog managers": (True, True, True, True, True, False, True),
    "Support agents": (False,) * 7,
    "Support leads": (False,) * 7,
    "superuser": (True,) * 7,
}
NEW = {"code": "free100", "name": "Free", "discount_type": "percentage", "percent_off": "100.00"}


def staff(role):
    if role == "superuser":
        return UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    user = UserFactory(email=f"{role.split()[0].lower()}@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def attempts(api, code):
    return [
        api.get("/api/v1/coupons/").status_code == 200,
        api.post("/api/v1/coupons/", NEW, format="json").status_code == 201,
        api.patch(f"/api/v1/coupons/{code}/", {"name": "Renamed"}, format="json").status_code == 200,
        api.post(f"/api/v1/coupons/{code}/deactivate/").status_code == 200,
        api.get(f"/api/v1/coupons/{code}/usages/").status_code == 200,
        api.delete(f"/api/v1/coupons/{code}/").status_code == 204,
    ]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_its_permissions_say_on_the_api_and_in_the_admin(role):
    user = staff(role)
    coupon = CouponFactory(code="ROLE10")
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(user)}")
    got = attempts(api, coupon.code)
    admin_list = login_with_2fa(Client(), user).get("/admin/coupons/coupon/").status_code == 200
    assert (*got, admin_list) == ALLOWED[role]
    assert Coupon.objects.filter(code="FREE100").exists() == ALLOWED[role][1]
    assert Coupon.objects.filter(code="ROLE10").exists() == (not ALLOWED[role][5])


def test_api_changes_are_audited_and_refused_staff_attempts_too():
    finance = staff("Finance")
    coupon = CouponFactory(code="VIP30")
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(finance)}")
    api.post("/api/v1/coupons/", NEW, format="json")
    api.patch("/api/v1/coupons/VIP30/", {"percent_off": "90.00"}, format="json")
    api.post("/api/v1/coupons/VIP30/deactivate/")
    refused = api.delete("/api/v1/coupons/VIP30/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    entries = {entry.action: entry for entry in AuditEntry.objects.filter(actor=finance)}
    assert set(entries) == {"coupon_created", "coupon_changed", "coupon_deactivated", "staff_action_refused"}
    assert entries["coupon_changed"].before["percent_off"] != entries["coupon_changed"].after["percent_off"]
    assert entries["staff_action_refused"].after == {
        "method": "DELETE", "path": "/api/v1/coupons/VIP30/", "permission": "coupons.delete_coupon",
        "reason": "permission_denied",
    }  # fmt: skip
    coupon.refresh_from_db()
    assert coupon.is_active is False


def test_a_staff_token_without_the_second_factor_is_refused_and_audited():
    from rest_framework_simplejwt.tokens import RefreshToken

    agent = staff("Catalog managers")
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(agent).access_token}")
    assert api.post("/api/v1/coupons/", NEW, format="json").json()["error"]["code"] == "two_factor_required"
    assert not Coupon.objects.filter(code="FREE100").exists()
    assert AuditEntry.objects.get(actor=agent).after["reason"] == "two_factor_required"
