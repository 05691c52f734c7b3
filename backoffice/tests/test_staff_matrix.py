"""The role x surface matrix: every staff URL of the admin, every admin model's object page (view
or change), the staff pages (back office, agent desk), the staff downloads and the staff API, and
every admin action, walked with every role (second factor passed). The URLs, models and actions are
read from the URLconf and the admin registry, so a new staff endpoint, model or action without a
row here fails `test_every_staff_url_and_action_has_a_row`.

A row names the roles allowed (F Finance, A Support agents, L Support leads, C Catalog managers,
E Content editors; superusers are allowed everywhere) and what an allowed request answers; every
other role gets a 403 (the API's error envelope, the 403 page). An admin action a role is not
offered is refused too when it is posted anyway, and audited."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.tests.factories import OrganizationFactory, UserFactory, confirmed_totp, login_with_2fa, token_with_2fa
from backoffice import reports
from backoffice.tests.test_audit import paid_payment
from billing.models import BalanceAccount, CreditNote, Invoice, Payment
from billing.tests.factories import invoice
from blog.tests.factories import ArticleFactory, BlogCategoryFactory
from catalog.tests.test_refunds import paid_order  # noqa: F401 - a paid order, for the refund action
from core.models import AuditEntry
from core.permissions import StaffWith2FA
from coupons.tests.factories import CouponFactory
from support import services as support_services
from support.models import TicketAttachment
from support.tests.factories import member, open_ticket, text_file

pytestmark = pytest.mark.django_db

ROLES = {"F": "Finance", "A": "Support agents", "L": "Support leads", "C": "Catalog managers", "E": "Content editors"}
STAFF_PAGE_PREFIXES = ("backoffice/", "support/agent/")
GENERIC_ADMIN = ("_add", "_change", "_delete", "_history")  # object pages: the changelist's permission, per object
# The admin site's own pages; app_list is the index narrowed to one app (404 to a role seeing none of it).
ADMIN_SITE_PAGES = {
    "login", "logout", "password_change", "password_change_done", "jsi18n", "autocomplete", "view_on_site", "app_list",
}  # fmt: skip


def staff(role):
    if role == "superuser":
        return UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    user = UserFactory(email=f"{role.split()[0].lower()}@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """One of each object the staff URLs take: an open and a paid invoice, a customer balance, a
    ticket with an internal note's file, a coupon, another staff member's authenticator."""
    organization = OrganizationFactory()
    requester = member(organization)
    ticket = open_ticket(organization=organization, requester=requester)
    desk = UserFactory(email="desk@example.test", is_staff=True)
    desk.groups.add(Group.objects.get(name="Support agents"))
    support_services.agent_reply(ticket=ticket, agent=desk, body="Refund him?", internal=True, attachments=[text_file()])
    with django_capture_on_commit_callbacks(execute=True):  # its PDF rendered, for the download row
        rendered = invoice(organization)
    return {
        "invoice": rendered.pk,
        "payment": paid_payment(invoice(organization)).pk,
        "balance": BalanceAccount.objects.get_or_create(organization=organization, currency=organization.currency)[0].pk,
        "ticket": ticket.pk,
        "attachment": TicketAttachment.objects.get(message__is_internal=True).pk,
        "coupon": CouponFactory(code="ROLE10").code,
        "device": confirmed_totp(desk).pk,
        "article": ArticleFactory(slug="news", language="en").slug,
        "category": BlogCategoryFactory(slug="guides").slug,
    }


# --- what the URLconf says is staff ------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern.callback


def _staff_api(callback):
    classes = getattr(getattr(callback, "cls", None), "permission_classes", [])
    return any(issubclass(cls, StaffWith2FA) or "Staff" in cls.__name__ for cls in classes)


def staff_urls():
    """{surface: {url name}} of every staff URL in the URLconf."""
    found = {"admin": set(), "pages": set(), "api": set()}
    for path, name, callback in _walk(get_resolver().url_patterns):
        if name.startswith("admin:"):
            short = name.split(":", 1)[1]
            if short not in ADMIN_SITE_PAGES and not short.endswith(GENERIC_ADMIN):
                found["admin"].add(name)
        elif path.startswith("api/"):
            if _staff_api(callback):
                found["api"].add(name)
        elif path.startswith(STAFF_PAGE_PREFIXES) or hasattr(callback, "staff_permission"):
            found["pages"].add(name)
    return found


def staff_actions():
    """Every admin action but delete_selected (it asks the model's delete permission, as the delete page)."""
    return {
        (model._meta.label, name)
        for model, model_admin in admin.site._registry.items()
        for _function, name, _description in model_admin._get_base_actions()
        if name != "delete_selected"
    }


# --- how each row is requested -----------------------------------------------------------------

ADMIN_ARGS = {  # the object a custom admin view takes
    "admin:billing_balanceaccount_refund": lambda w: [w["balance"]],
    "admin:billing_invoice_credit_note": lambda w: [w["invoice"]],
    "admin:billing_invoice_pdf": lambda w: [w["invoice"]],
    "admin:billing_payment_refund": lambda w: [w["payment"]],
    "admin:otp_totp_totpdevice_config": lambda w: [w["device"]],
    "admin:otp_totp_totpdevice_qrcode": lambda w: [w["device"]],
}
PAGE_POSTS = {"support:bulk_action", "support:agent_reply", "support:agent_assign", "support:agent_priority",
              "support:agent_resolve", "support:agent_close"}  # fmt: skip
API_REQUESTS = {  # name: (method, args, body)
    "coupons": ("get", [], None),
    "coupon": ("patch", ["coupon"], {"name": "Renamed"}),
    "coupon-deactivate": ("post", ["coupon"], None),
    "coupon-usages": ("get", ["coupon"], None),
    "support-stats": ("get", [], None),
    "blog-articles": ("post", [], {}),
    "blog-article": ("patch", ["article"], {"title": "Renamed"}),
    "blog-categories": ("post", [], {}),
    "blog-category": ("patch", ["category"], {"name_en": "Renamed"}),
}


def page_requests(world):
    """(label, method, url) of every staff page; the back office's report page once per report."""
    for name in sorted(staff_urls()["pages"]):
        if name == "backoffice:report":
            for report in reports.REPORTS:
                yield f"{name}:{report}", "get", reverse(name, args=[report])
            continue
        args = [world["ticket"]] if name.startswith("support:agent_") or name == "support:canned_reply" else []
        yield name, "post" if name in PAGE_POSTS else "get", reverse(name, args=args)


def admin_requests(world):
    for name in sorted(staff_urls()["admin"]):
        yield name, "get", reverse(name, args=ADMIN_ARGS.get(name, lambda w: [])(world))


def api_requests(world):
    for name in sorted(staff_urls()["api"]):
        method, args, body = API_REQUESTS[name]
        yield name, method, reverse(name, args=[world[arg] for arg in args]), body


def object_page_access(client, model, pk=None):
    """What a role may do on one object's admin page: "change" (the page offers to save it), "view"
    (it shows the object read-only, and a save posted anyway is refused with a 403) or None (403).
    The object is `pk`, else the model's first row; a model the world holds no row of is asked
    about a pk no row has, where Django checks the same permissions before it looks the row up (a
    302 to the index for a role that may see it, and for a save, for a role that may change it)."""
    if pk is None:
        row = model._default_manager.order_by("pk").first()
        pk = row.pk if row is not None else MISSING_PK
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    page = client.get(url)
    if page.status_code == 403:
        return None
    if page.status_code == 200 and 'name="_save"' in page.content.decode():
        return "change"
    refused = client.post(url, {}).status_code == 403
    if page.status_code == 302 and not refused:
        return "change"
    assert page.status_code in (200, 302) and refused, (url, page.status_code)
    return "view"


def walk_pages(user, requests):
    client = login_with_2fa(Client(), user)
    return {label: getattr(client, method)(url).status_code for label, method, url in requests}


def walk_api(user, requests):
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(user)}")
    return {label: getattr(api, method)(url, body, format="json").status_code for label, method, url, body in requests}


def usable_actions(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    usable = set()
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_view_or_change_permission(request):
            usable |= {(model._meta.label, name) for name in model_admin.get_actions(request)}
    return {action for action in usable if action[1] != "delete_selected"}


# --- the tables --------------------------------------------------------------------------------
# Superusers are allowed on every row; "" means superusers only.

ADMIN = {
    "admin:index": "FALCE",
    "admin:accounts_invitation_changelist": "",
    "admin:accounts_organization_changelist": "F",
    "admin:accounts_user_changelist": "",
    "admin:auth_group_changelist": "",
    "admin:axes_accessattempt_changelist": "",
    "admin:axes_accessfailurelog_changelist": "",
    "admin:axes_accesslog_changelist": "",
    "admin:billing_automation": "F",
    "admin:billing_balanceaccount_changelist": "F",
    "admin:billing_balanceaccount_refund": "F",
    "admin:billing_balanceentry_changelist": "F",
    "admin:billing_billingsettings_changelist": "",
    "admin:billing_creditnote_changelist": "F",
    "admin:billing_dunningevent_changelist": "F",
    "admin:billing_dunningpolicy_changelist": "F",
    "admin:billing_invoice_changelist": "F",
    "admin:billing_invoice_credit_note": "F",
    "admin:billing_invoice_pdf": "F",
    "admin:billing_numbersequence_changelist": "",
    "admin:billing_payment_changelist": "F",
    "admin:billing_payment_refund": "F",
    "admin:billing_paymentdiscrepancy_changelist": "F",
    "admin:billing_paymentmethod_changelist": "F",
    "admin:billing_pendingcharge_changelist": "F",
    "admin:billing_plan_changelist": "F",
    "admin:billing_subscription_changelist": "F",
    "admin:billing_webhookevent_changelist": "F",
    "admin:blog_article_changelist": "E",
    "admin:blog_category_changelist": "E",
    "admin:blog_tag_changelist": "E",
    "admin:catalog_cart_changelist": "",
    "admin:catalog_category_changelist": "CE",
    "admin:catalog_order_changelist": "FC",
    "admin:catalog_product_changelist": "CE",
    "admin:core_auditentry_changelist": "F",
    "admin:core_statetransition_changelist": "",
    "admin:core_taskrun_changelist": "",
    "admin:coupons_coupon_campaign": "FC",
    "admin:coupons_coupon_changelist": "FC",
    "admin:coupons_couponusage_changelist": "FC",
    "admin:django_celery_beat_clockedschedule_changelist": "",
    "admin:django_celery_beat_crontabschedule_changelist": "",
    "admin:django_celery_beat_intervalschedule_changelist": "",
    "admin:django_celery_beat_periodictask_changelist": "",
    "admin:django_celery_beat_solarschedule_changelist": "",
    "admin:django_celery_results_groupresult_changelist": "",
    "admin:django_celery_results_taskresult_changelist": "",
    "admin:generation_conversation_changelist": "",
    "admin:generation_creditentry_changelist": "F",
    "admin:generation_creditgrant_changelist": "F",
    "admin:generation_creditprice_changelist": "",
    "admin:generation_generationjob_changelist": "",
    "admin:generation_providers": "",
    "admin:notifications_broadcast": "",
    "admin:notifications_emaillog_changelist": "",
    "admin:notifications_notification_changelist": "",
    "admin:otp_static_staticdevice_changelist": "",
    "admin:otp_totp_totpdevice_changelist": "",
    "admin:otp_totp_totpdevice_config": "",
    "admin:otp_totp_totpdevice_qrcode": "",
    "admin:support_cannedreply_changelist": "AL",
    "admin:support_contactrequest_changelist": "AL",
    "admin:support_slaevent_changelist": "AL",
    "admin:support_slapolicy_changelist": "AL",
    "admin:support_ticket_changelist": "AL",
    "admin:token_blacklist_blacklistedtoken_changelist": "",
    "admin:token_blacklist_outstandingtoken_changelist": "",
    "admin:usage_addonpurchase_changelist": "F",
    "admin:usage_addontype_changelist": "",
    "admin:usage_usagealert_changelist": "",
    "admin:usage_usageflush_changelist": "",
    "admin:usage_usagerecord_changelist": "F",
}
PAGES = {  # name: (roles, what an allowed request answers)
    "backoffice:dashboard": ("F", 200),
    "backoffice:report:coupons": ("FC", 200),
    "backoffice:report:generation": ("F", 200),
    "backoffice:report:overdue": ("F", 200),
    "backoffice:report:support": ("L", 200),
    "backoffice:report:usage": ("F", 200),
    "support:queue": ("AL", 200),
    "support:stats": ("AL", 200),
    "support:agent_ticket": ("AL", 200),
    "support:agent_ticket_messages": ("AL", 200),
    "support:canned_reply": ("AL", 200),
    "support:agent_reply": ("AL", 302),  # posted empty: back to the ticket with "The reply is empty."
    "support:agent_assign": ("AL", 302),
    "support:agent_priority": ("AL", 302),
    "support:agent_resolve": ("AL", 302),
    "support:agent_close": ("AL", 302),
    "support:bulk_action": ("AL", 302),
}
API = {  # name: (roles, what an allowed request answers)
    "coupons": ("FC", 200),
    "coupon": ("FC", 200),
    "coupon-deactivate": ("FC", 200),
    "coupon-usages": ("FC", 200),
    "support-stats": ("AL", 200),
    "blog-articles": ("E", 400),  # posted empty: the field errors
    "blog-article": ("E", 200),
    "blog-categories": ("E", 400),
    "blog-category": ("E", 200),
}
ACTIONS = {
    ("accounts.Organization", "deactivate"): "",
    ("accounts.Organization", "reactivate"): "",
    ("accounts.User", "resend_verification"): "",
    ("accounts.User", "reset_two_factor"): "",
    ("axes.AccessAttempt", "cleanup_expired_attempts"): "",
    ("billing.Invoice", "credit_remaining"): "F",
    ("billing.Invoice", "finalize"): "F",
    ("billing.Invoice", "mark_uncollectible"): "F",
    ("billing.Invoice", "resend"): "F",
    ("billing.Invoice", "void"): "F",
    ("billing.PaymentDiscrepancy", "mark_resolved"): "F",
    ("billing.Subscription", "cancel_at_period_end"): "F",
    ("billing.Subscription", "cancel_now"): "F",
    ("billing.Subscription", "extend_trial_7_days"): "F",
    ("billing.Subscription", "reactivate"): "F",
    ("billing.Subscription", "suspend"): "F",
    ("billing.Subscription", "undo_plan_change"): "F",
    ("catalog.Order", "cancel"): "F",
    ("catalog.Order", "refund"): "F",
    ("catalog.Order", "retry_fulfilment"): "C",
    ("catalog.Product", "withdraw"): "C",
    ("coupons.Coupon", "deactivate"): "FC",
    ("coupons.Coupon", "export_usages"): "FC",
    ("coupons.CouponUsage", "export_csv"): "FC",
    ("django_celery_beat.PeriodicTask", "disable_tasks"): "",
    ("django_celery_beat.PeriodicTask", "enable_tasks"): "",
    ("django_celery_beat.PeriodicTask", "run_tasks"): "",
    ("django_celery_beat.PeriodicTask", "toggle_tasks"): "",
    ("generation.GenerationJob", "cancel_jobs"): "",
    ("support.ContactRequest", "mark_handled"): "AL",
    ("support.ContactRequest", "mark_spam"): "AL",
    ("support.Ticket", "assign_selected"): "AL",
    ("support.Ticket", "assign_to_me"): "AL",
    ("support.Ticket", "close_selected"): "AL",
    ("support.Ticket", "make_urgent"): "AL",
    ("support.Ticket", "resolve_selected"): "AL",
    ("usage.AddonPurchase", "end_due_periods"): "F",
    ("usage.AddonPurchase", "stop_renewal"): "F",
    ("usage.UsageRecord", "check_alerts"): "F",
    ("usage.UsageRecord", "recount_storage"): "F",
}
# Every admin model's object page: (roles that open it, roles that may save it); superusers are
# allowed on both but where the second is None (a record nobody edits: logs, ledgers, the audit).
OBJECT_PAGES = {
    "accounts.Invitation": ("", ""),
    "accounts.Organization": ("F", ""),
    "accounts.User": ("", ""),
    "auth.Group": ("", ""),
    "axes.AccessAttempt": ("", ""),
    "axes.AccessFailureLog": ("", ""),
    "axes.AccessLog": ("", ""),
    "billing.BalanceAccount": ("F", ""),
    "billing.BalanceEntry": ("F", ""),
    "billing.BillingSettings": ("", ""),
    "billing.CreditNote": ("F", ""),
    "billing.DunningEvent": ("F", None),
    "billing.DunningPolicy": ("F", ""),
    "billing.Invoice": ("F", "F"),
    "billing.NumberSequence": ("", ""),
    "billing.Payment": ("F", "F"),
    "billing.PaymentDiscrepancy": ("F", "F"),
    "billing.PaymentMethod": ("F", ""),
    "billing.PendingCharge": ("F", ""),
    "billing.Plan": ("F", ""),
    "billing.Subscription": ("F", "F"),
    "billing.WebhookEvent": ("F", ""),
    "blog.Article": ("E", "E"),
    "blog.Category": ("E", "E"),
    "blog.Tag": ("E", "E"),
    "catalog.Cart": ("", ""),
    "catalog.Category": ("CE", "C"),
    "catalog.Order": ("FC", "C"),
    "catalog.Product": ("CE", "C"),
    "core.AuditEntry": ("F", None),
    "core.StateTransition": ("", None),
    "core.TaskRun": ("", None),
    "coupons.Coupon": ("FC", "FC"),
    "coupons.CouponUsage": ("FC", None),
    "django_celery_beat.ClockedSchedule": ("", ""),
    "django_celery_beat.CrontabSchedule": ("", ""),
    "django_celery_beat.IntervalSchedule": ("", ""),
    "django_celery_beat.PeriodicTask": ("", ""),
    "django_celery_beat.SolarSchedule": ("", ""),
    "django_celery_results.GroupResult": ("", ""),
    "django_celery_results.TaskResult": ("", ""),
    "generation.Conversation": ("", ""),
    "generation.CreditEntry": ("F", None),
    "generation.CreditGrant": ("F", None),
    "generation.CreditPrice": ("", ""),
    "generation.GenerationJob": ("", ""),
    "notifications.EmailLog": ("", ""),
    "notifications.Notification": ("", ""),
    "otp_static.StaticDevice": ("", ""),
    "otp_totp.TOTPDevice": ("", ""),
    "support.CannedReply": ("AL", "AL"),
    "support.ContactRequest": ("AL", "AL"),
    "support.SLAEvent": ("AL", "L"),
    "support.SLAPolicy": ("AL", "L"),
    "support.Ticket": ("AL", "AL"),
    "token_blacklist.BlacklistedToken": ("", ""),
    "token_blacklist.OutstandingToken": ("", None),
    "usage.AddonPurchase": ("F", ""),
    "usage.AddonType": ("", ""),
    "usage.UsageAlert": ("", None),
    "usage.UsageFlush": ("", None),
    "usage.UsageRecord": ("F", None),
}
MISSING_PK = 987654321
ALL_ROLES = [*ROLES, "S"]


def allowed(roles, role):
    return role == "S" or role in roles


def expected(table, role):
    """{label: status} a role gets: the row's answer where allowed, else 403."""
    return {label: answer if allowed(roles, role) else 403 for label, (roles, answer) in table.items()}


def object_pages_expected(role):
    return {
        label: "change" if editors is not None and allowed(editors, role) else "view" if allowed(viewers, role) else None
        for label, (viewers, editors) in OBJECT_PAGES.items()
    }


def user_for(role):
    return staff("superuser" if role == "S" else ROLES[role])


def test_every_staff_url_and_action_has_a_row():
    found = staff_urls()
    assert found["admin"] == set(ADMIN)
    assert {label.rsplit(":", 1)[0] if label.startswith("backoffice:report") else label for label in PAGES} == found["pages"]
    assert {f"backoffice:report:{name}" for name in reports.REPORTS} <= set(PAGES)
    assert found["api"] == set(API)
    assert staff_actions() == set(ACTIONS)
    assert {model._meta.label for model in admin.site._registry} == set(OBJECT_PAGES)
    # An object's page opens for the roles its list opens for; who may save an object may open it.
    assert {label: viewers for label, (viewers, _editors) in OBJECT_PAGES.items()} == {
        label: ADMIN[changelist(label)] for label in OBJECT_PAGES
    }
    assert all(editors is None or set(editors) <= set(viewers) for viewers, editors in OBJECT_PAGES.values())


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_admin_matrix(world, role):
    got = walk_pages(user_for(role), admin_requests(world))
    assert got == {name: 200 if allowed(roles, role) else 403 for name, roles in ADMIN.items()}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_object_pages_matrix(world, role):
    client = login_with_2fa(Client(), user_for(role))
    got = {model._meta.label: object_page_access(client, model) for model in admin.site._registry}
    assert got == object_pages_expected(role)


# The staff API's objects that have an admin page too: the API's answer to GET (a staff-only read:
# None where anyone reads it) and to PATCH, for the same object.
API_OBJECTS = {  # model: (API url name, world's key and the field it is, a change, read by staff only)
    "coupons.Coupon": ("coupon", "coupon", "code", {"name": "Renamed"}, True),
    "blog.Article": ("blog-article", "article", "slug", {"title": "Renamed"}, False),
    "blog.Category": ("blog-category", "category", "slug", {"name_en": "Renamed"}, False),
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_object_pages_follow_the_apis_rule(world, role):
    """The admin's object page and the staff API give a role the same rights over the same object:
    it saves on the page where the API lets it PATCH, and opens the page where the API lets it read
    (for objects only staff read)."""
    user = user_for(role)
    client = login_with_2fa(Client(), user)
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(user)}")
    for label, (name, key, field, change, staff_read) in API_OBJECTS.items():
        model = apps.get_model(label)
        url = reverse(name, args=[world[key]])
        page = object_page_access(client, model, model._default_manager.get(**{field: world[key]}).pk)
        reads = api.get(url).status_code == 200
        writes = api.patch(url, change, format="json").status_code == 200
        assert (page == "change") == writes, label
        if staff_read:
            assert (page is not None) == reads, label


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_staff_pages_matrix(world, role):
    assert walk_pages(user_for(role), page_requests(world)) == expected(PAGES, role)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_staff_api_matrix(world, role):
    user = user_for(role)
    assert walk_api(user, api_requests(world)) == expected(API, role)
    refused = [label for label, (roles, _answer) in API.items() if not allowed(roles, role)]
    if refused:  # each refusal in the error envelope, audited
        method, args, body = API_REQUESTS[refused[0]]
        api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(user)}")
        answer = getattr(api, method)(reverse(refused[0], args=[world[arg] for arg in args]), body, format="json")
        assert answer.json()["error"]["code"] == "permission_denied"
        assert AuditEntry.objects.filter(actor=user, action="staff_action_refused").exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_admin_actions_matrix(role):
    assert usable_actions(user_for(role)) == {action for action, roles in ACTIONS.items() if allowed(roles, role)}


def changelist(label):
    model = apps.get_model(label)
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"


@pytest.mark.parametrize("role", ROLES)
def test_an_action_a_role_is_not_offered_is_refused_and_audited_when_posted(role):
    """Posting the name of an action the role does not see, on a list the role may open: the 403
    page (Django would only say "No action selected."), and an audit entry naming the action."""
    user = user_for(role)
    client = login_with_2fa(Client(), user)
    hidden = sorted(
        (label, name) for (label, name), roles in ACTIONS.items()
        if not allowed(roles, role) and allowed(ADMIN[changelist(label)], role)
    )  # fmt: skip
    # And a name no admin offers, on the first list the role may open.
    own_list = next(label for label in sorted(OBJECT_PAGES) if allowed(ADMIN[changelist(label)], role))
    attempts = [*hidden, (own_list, "delete_everything")]
    for label, name in attempts:
        answer = client.post(reverse(changelist(label)), {"action": name, "_selected_action": ["1"], "index": "0"})
        assert answer.status_code == 403, (label, name)
    refusals = AuditEntry.objects.filter(actor=user, action="staff_action_refused").order_by("id")
    assert [(entry.after["model"], entry.after["action"], entry.after["reason"]) for entry in refusals] == [
        *((label, name, "action_not_allowed") for label, name in hidden),
        (own_list, "delete_everything", "unknown_action"),
    ]


@pytest.mark.parametrize(
    ("role", "downloads"),
    [("A", True), ("L", True), ("S", True), ("F", False), ("C", False), ("E", False)],
)
def test_internal_note_files_download_for_the_support_roles_only(world, role, downloads):
    user = user_for(role)
    page = login_with_2fa(Client(), user).get(reverse("support:attachment_download", args=[world["attachment"]]))
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token_with_2fa(user)}")
    answer = api.get(reverse("support-attachment-download", args=[world["attachment"]]))
    assert (page.status_code, answer.status_code) == ((200, 200) if downloads else (404, 404))


def test_refused_money_attempts_change_nothing_and_are_audited(world):
    agent = user_for("L")
    client = login_with_2fa(Client(), agent)
    payment = Payment.objects.get(pk=world["payment"])
    refund = client.post(reverse("admin:billing_payment_refund", args=[payment.pk]), {"reason": "x", "amount": "5"})
    credit = client.post(reverse("admin:billing_invoice_credit_note", args=[world["invoice"]]), {"reason": "x", "amount": "5"})
    balance = client.post(reverse("admin:billing_balanceaccount_refund", args=[world["balance"]]), {"reason": "x"})
    assert (refund.status_code, credit.status_code, balance.status_code) == (403, 403, 403)
    assert "Vous n’avez pas accès à cette page." in refund.content.decode()  # the 403 page, in the staff's French
    payment.refresh_from_db()
    assert payment.amount_refunded == 0 and not CreditNote.objects.exists()
    refusals = AuditEntry.objects.filter(actor=agent, action="staff_action_refused").order_by("id")
    assert [(entry.target_repr, entry.after["permission"]) for entry in refusals] == [
        (str(payment), "billing.change_payment"),
        (str(Invoice.objects.get(pk=world["invoice"])), "billing.add_creditnote"),
        (str(payment.organization), "billing.change_payment"),
    ]


def test_a_refund_posted_by_a_role_not_offered_it_refunds_nothing_and_is_audited(paid_order, run_on_commit):  # noqa: F811
    url = reverse("admin:catalog_order_changelist")
    form = {"action": "refund", "_selected_action": [paid_order.pk], "index": "0"}
    catalog = user_for("C")  # opens the orders, may retry a delivery, may not refund
    with run_on_commit(execute=True):
        refused = login_with_2fa(Client(), catalog).post(url, form)
    assert refused.status_code == 403
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 0 and not CreditNote.objects.exists()
    entry = AuditEntry.objects.get(actor=catalog)
    assert (entry.action, entry.after) == ("staff_action_refused", {
        "method": "POST", "path": url, "permission": "", "reason": "action_not_allowed", "model": "catalog.Order",
        "action": "refund", "action_permissions": ["refund"], "selected": [str(paid_order.pk)],
    })  # fmt: skip
    finance = user_for("F")
    with run_on_commit(execute=True):
        done = login_with_2fa(Client(), finance).post(url, form)
    assert done.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == paid_order.total
    assert AuditEntry.objects.get(actor=finance).action == "order_refunded"


def test_no_action_chosen_is_still_the_admins_message(world):
    client = login_with_2fa(Client(), user_for("F"))
    answer = client.post(reverse("admin:billing_invoice_changelist"), {"action": "", "_selected_action": [world["invoice"]],
                                                                        "index": "0"}, follow=True)  # fmt: skip
    assert answer.status_code == 200 and "Aucune action sélectionnée." in answer.content.decode()  # staff read French
    assert not AuditEntry.objects.filter(action="staff_action_refused").exists()


def test_a_broadcast_is_audited_and_refused_to_roles(world):
    url = reverse("admin:notifications_broadcast")
    finance = user_for("F")
    assert login_with_2fa(Client(), finance).post(url, {"title": "Hello"}).status_code == 403
    assert AuditEntry.objects.get(actor=finance).after["permission"] == "notifications.add_notification"
    root = user_for("S")
    assert login_with_2fa(Client(), root).post(url, {"title": "Hello", "body": "Maintenance at 22:00"}).status_code == 302
    entry = AuditEntry.objects.get(actor=root, action="broadcast_queued")
    assert entry.after == {"title": "Hello", "audience": "everyone"}
