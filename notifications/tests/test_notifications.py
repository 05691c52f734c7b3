import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from celery.exceptions import Retry
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import MembershipFactory, UserFactory
from config.asgi import application
from notifications import kinds
from notifications.delivery import MAX_ATTEMPTS, SEND_LEASE
from notifications.models import EmailLog, Notification
from notifications.services import broadcast, mark_all_read, mark_read, notify
from notifications.tasks import deliver_email, sweep_emails

ORIGIN = (b"origin", b"http://localhost")


async def socket_for(user):
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    return WebsocketCommunicator(application, f"/ws/notifications/?token={token}", headers=[ORIGIN])


@pytest.fixture(autouse=True)
def _kinds():
    kinds.register("test_plain", email=False)
    kinds.register("test_mail", email=True, template="notifications/tests/test_mail")


@pytest.mark.django_db(transaction=True)
async def test_a_notification_reaches_its_recipient_socket_and_no_one_else():
    alice, bob = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    alice_ws, bob_ws = await socket_for(alice), await socket_for(bob)
    assert (await alice_ws.connect())[0] and (await bob_ws.connect())[0]
    assert (await alice_ws.receive_json_from())["type"] == "hello"
    await bob_ws.receive_json_from()

    await sync_to_async(notify)(alice, "test_plain", title="Invoice paid", body="INV-2026-000001", link="/billing/")

    message = await alice_ws.receive_json_from(timeout=2)
    assert (message["type"], message["title"], message["unread"]) == ("notification", "Invoice paid", 1)
    assert await bob_ws.receive_nothing(timeout=0.3)
    await alice_ws.disconnect()
    await bob_ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_anonymous_and_forged_token_sockets_are_refused():
    anonymous = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN])
    connected, code = await anonymous.connect()
    assert not connected and code == 4401
    forged = WebsocketCommunicator(application, "/ws/notifications/?token=not-a-jwt", headers=[ORIGIN])
    connected, code = await forged.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_the_browser_session_cookie_authenticates_the_socket(client):
    user = await sync_to_async(UserFactory)()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, (b"cookie", cookie)])
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["unread"] == 0
    await ws.disconnect()


@pytest.mark.django_db
def test_notifying_an_organization_tells_every_member_and_emails_once_each(organization, run_on_commit):
    owner = MembershipFactory(organization=organization, user__locale="fr").user
    member = MembershipFactory(organization=organization, role="member", user__locale="en").user
    with run_on_commit(execute=True):
        notify(organization, "test_mail", title="Facture", context={"number": "INV-1"}, related=organization)
    assert Notification.objects.filter(organization=organization).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, member.email])
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert by_recipient[owner.email].subject == "Nouvelle facture INV-1"
    assert by_recipient[member.email].subject == "New invoice INV-1"
    assert set(EmailLog.objects.values_list("status", flat=True)) == {"sent"}
    assert EmailLog.objects.filter(related_id=str(organization.pk)).count() == 2


@pytest.mark.django_db
def test_nothing_is_pushed_or_emailed_when_the_transaction_rolls_back(user, run_on_commit):
    with run_on_commit(execute=False) as callbacks:
        notify(user, "test_mail", title="Hello", context={"number": "X"})
    assert mail.outbox == []
    assert len(callbacks) == 3  # one push and one email (and the unread count's refresh), all waiting for the commit


@pytest.mark.django_db
def test_a_failed_send_is_recorded_retried_with_back_off_and_finally_given_up(user, run_on_commit, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with pytest.raises(Retry) as retry, run_on_commit(execute=True):
        notify(user, "test_mail", title="Hello", context={"number": "X"})
    assert retry.value.when == 60  # then 2, 4, 8 and 16 minutes
    log = EmailLog.objects.get()
    assert (log.status, log.attempts) == ("queued", 1) and "smtp down" in log.error

    deliver_email.apply(args=[log.pk], retries=1)  # a duplicate before the back-off has passed
    assert EmailLog.objects.get().attempts == 1
    for attempt in range(2, MAX_ATTEMPTS):
        with time_machine.travel(timezone.now() + timedelta(hours=attempt), tick=False), pytest.raises(Retry) as retry:
            deliver_email.apply(args=[log.pk], retries=attempt - 1)
        assert retry.value.when == 60 * 2 ** (attempt - 1)
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        deliver_email.apply(args=[log.pk], retries=MAX_ATTEMPTS - 1)  # the last one: no retry after it
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("failed", MAX_ATTEMPTS)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_send_that_fails_once_is_retried_and_sent_once(user, run_on_commit, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    real, calls = EmailMultiAlternatives.send, []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("smtp timed out")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    with pytest.raises(Retry), run_on_commit(execute=True):
        notify(user, "test_mail", title="Hello", context={"number": "X"})
    log = EmailLog.objects.get()
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        deliver_email.apply(args=[log.pk], retries=1)
        sweep_emails()  # the sweeper finds nothing left to send
        deliver_email.apply(args=[log.pk])  # nor does a duplicate of the task
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sent", 2)
    assert [m.subject for m in mail.outbox] == [log.subject]


@pytest.mark.django_db
def test_an_email_whose_task_was_lost_is_swept_and_sent_once(user, run_on_commit, monkeypatch, caplog):
    from kombu.exceptions import OperationalError

    def broker_down(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch, run_on_commit(execute=True):
        patch.setattr(deliver_email, "delay", broker_down)
        notify(user, "test_mail", title="Hello", context={"number": "X"})
    assert "task_not_queued task=notifications.tasks.deliver_email" in caplog.text
    sweep_emails()  # too early: its task may still be on its way
    assert mail.outbox == [] and EmailLog.objects.get().status == "queued"
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        sweep_emails()
        sweep_emails()
    assert EmailLog.objects.get().status == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_email_being_sent_is_not_sent_again_until_its_worker_is_known_dead(user, run_on_commit):
    with run_on_commit(execute=False):
        notify(user, "test_mail", title="Hello", context={"number": "X"})
    log = EmailLog.objects.get()
    # A worker claimed it and was killed while sending: the claim holds for the send lease.
    EmailLog.objects.filter(pk=log.pk).update(claimed_until=timezone.now() + SEND_LEASE, attempts=1)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        sweep_emails()
        deliver_email.apply(args=[log.pk])
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + SEND_LEASE + timedelta(minutes=1), tick=False):
        sweep_emails()
    log.refresh_from_db()
    assert (log.status, log.attempts, len(mail.outbox)) == ("sent", 2, 1)


@pytest.mark.django_db
def test_api_lists_only_my_notifications_and_marks_them_read(auth_api, user, other_user):
    mine = notify(user, "test_plain", title="Mine")[0]
    theirs = notify(other_user, "test_plain", title="Theirs")[0]
    listing = auth_api.get("/api/v1/notifications/")
    assert listing.status_code == 200
    assert [n["title"] for n in listing.json()["results"]] == ["Mine"]
    assert auth_api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert auth_api.post(f"/api/v1/notifications/{mine.pk}/read/").json()["is_read"] is True
    notify(user, "test_plain", title="Second")
    assert auth_api.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert auth_api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_the_header_bell_shows_the_unread_count(client_user, user):
    notify(user, "test_plain", title="One")
    notify(user, "test_plain", title="Two")
    page = client_user.get("/notifications/")
    assert page.status_code == 200
    assert b"data-unread-count>2</span>" in page.content


@pytest.mark.django_db
def test_staff_broadcast_to_one_organization(admin_client, organization, other_organization, user, other_user):
    client = admin_client
    response = client.post(
        "/admin/notifications/notification/broadcast/",
        {"title": "Maintenance tonight", "body": "22:00 UTC", "link": "/status/", "organization": organization.pk},
    )
    assert response.status_code == 302
    assert list(Notification.objects.values_list("recipient__email", "kind")) == [(user.email, "broadcast")]
    bad = client.post("/admin/notifications/notification/broadcast/", {"title": "x", "link": "https://evil.example"})
    assert b"Use a path on this site" in bad.content


@pytest.mark.django_db
def test_each_member_reads_the_notification_and_its_email_in_their_own_language(run_on_commit):
    from django.utils.translation import gettext_lazy

    from accounts.tests.factories import OrganizationFactory
    from core.i18n import lazy_text

    organization = OrganizationFactory(locale="fr")
    french = MembershipFactory(organization=organization, user__email="fr@example.test").user  # follows the organization
    english = MembershipFactory(organization=organization, user__email="en@example.test", user__locale="en").user
    title = lazy_text(gettext_lazy("Welcome to %(organization)s!"), organization=organization.name)
    with run_on_commit(execute=True):
        notify(organization, "test_mail", title=title, link="/billing/", context={"number": "F-1"})
    notes = {n.recipient.email: n.title for n in Notification.objects.select_related("recipient")}
    assert notes == {
        "fr@example.test": f"Bienvenue dans {organization.name}\u00a0!",
        "en@example.test": f"Welcome to {organization.name}!",
    }
    emails = {log.recipient: (log.locale, log.subject, log.body_text) for log in EmailLog.objects.all()}
    assert emails[french.email][:2] == ("fr", "Nouvelle facture F-1") and "Bienvenue" in emails[french.email][2]
    assert emails[english.email][0] == "en" and "Welcome to" in emails[english.email][2]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_the_notification_pages_stay_within_eight_queries(client_user, auth_api, user, count, django_assert_max_num_queries):
    Notification.objects.bulk_create([Notification(recipient=user, kind="test_plain", title=f"N{n}") for n in range(count)])
    # user, organizations, unread count, banner, count, page (the session is read from the cache)
    with django_assert_max_num_queries(7):
        assert client_user.get("/notifications/").status_code == 200
    with django_assert_max_num_queries(4):  # user, organizations, count, page
        assert auth_api.get("/api/v1/notifications/").json()["count"] == count


def _badge(client):
    """The unread count the header shows, and whether the page counted notifications to show it."""
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/notifications/").content.decode()
    counted = any("COUNT" in q["sql"] and "notifications_notification" in q["sql"] and "read_at" in q["sql"] for q in queries)
    return int(re.search(r"data-unread-count[^>]*>(\d+)<", body).group(1)), counted


@pytest.mark.django_db
def test_the_unread_badge_is_cached_and_follows_every_write_and_read(client_user, user, organization):
    notify(user, "test_plain", title="One")
    assert _badge(client_user) == (1, True)
    assert _badge(client_user) == (1, False)  # from the cache
    broadcast(key=uuid.uuid4(), title="To everyone")
    assert _badge(client_user) == (2, True)
    notify(organization, "test_plain", title="To the members")
    assert _badge(client_user)[0] == 3
    mark_read(user=user, notification_id=Notification.objects.filter(recipient=user).first().pk)
    assert _badge(client_user)[0] == 2
    mark_all_read(user=user)
    assert _badge(client_user) == (0, True)
