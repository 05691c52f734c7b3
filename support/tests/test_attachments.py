"""Attachments: the type is read from the content, sizes and counts are limited, storage usage is
counted, and only the requester's organization and the agents may download them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import QuotaExceeded, ValidationFailed
from support import services
from support.models import TicketAttachment, TicketMessage
from support.tests.factories import EXE_BYTES, PNG_BYTES, open_ticket, png, text_file


@pytest.fixture
def ticket(organization, user):
    return open_ticket(organization=organization, requester=user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content",
    [
        ("screenshot.png", EXE_BYTES),  # a renamed Windows executable
        ("notes.txt", EXE_BYTES),
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),  # a renamed Linux executable
        ("data.csv", b"a,b\n\x00\x01\x02binary"),  # NUL bytes: not text
        ("setup.exe", b"just text, but not a text name"),
        ("page.html", b"<script>alert(1)</script>"),
    ],
)
def test_refused_by_content(ticket, user, storage, name, content):
    before = TicketMessage.objects.count()
    with pytest.raises(ValidationFailed) as error:
        services.customer_reply(ticket=ticket, user=user, body="See attached", attachments=[SimpleUploadedFile(name, content)])
    assert error.value.code == "attachment_type_refused"
    assert name in error.value.message
    assert TicketMessage.objects.count() == before
    assert TicketAttachment.objects.count() == 0 and storage.adjustments == []


@pytest.mark.django_db
def test_accepted_types_are_stored_with_the_detected_type_and_counted(ticket, user, storage, run_on_commit):
    files = [
        png("renamed.txt"),  # named as text, but it is a PNG: stored as one
        text_file("export.csv", b"id,amount\n1,1999\n"),
        text_file("server.log"),
        SimpleUploadedFile("archive.zip", b"PK\x03\x04" + b"\x00" * 60),
    ]
    with run_on_commit(execute=True):
        message = services.customer_reply(ticket=ticket, user=user, body="Logs attached", attachments=files)
    stored = {a.original_name: a.content_type for a in message.attachments.all()}
    assert stored == {
        "renamed.txt": "image/png",
        "export.csv": "text/csv",
        "server.log": "text/plain",
        "archive.zip": "application/zip",
    }
    total = sum(a.size for a in message.attachments.all())
    assert storage.adjustments == [(ticket.organization_id, total)]
    attachment = message.attachments.get(original_name="renamed.txt")
    assert attachment.file.name.startswith(f"support/{ticket.organization_id}/")
    with attachment.file.open("rb") as fh:
        assert fh.read() == PNG_BYTES


@pytest.mark.django_db
def test_size_count_and_quota_limits(ticket, user, storage, settings, monkeypatch):
    monkeypatch.setattr("support.conf.MAX_ATTACHMENT_BYTES", 1000)
    with pytest.raises(ValidationFailed) as error:
        services.customer_reply(ticket=ticket, user=user, body="Big", attachments=[text_file("big.log", b"x" * 1001)])
    assert error.value.code == "attachment_too_large"
    with pytest.raises(ValidationFailed) as error:
        services.customer_reply(ticket=ticket, user=user, body="Many", attachments=[png(f"{n}.png") for n in range(6)])
    assert error.value.code == "too_many_attachments"
    storage.limit = len(PNG_BYTES) - 1
    with pytest.raises(QuotaExceeded):
        services.customer_reply(ticket=ticket, user=user, body="Over quota", attachments=[png()])
    assert TicketAttachment.objects.count() == 0
    assert ticket.messages.count() == 1


@pytest.mark.django_db
def test_download_rights(ticket, user, client_user, agent_client, other_user, client, run_on_commit):
    message = services.customer_reply(ticket=ticket, user=user, body="Screenshot", attachments=[png()])
    attachment = message.attachments.get()
    url = f"/support/attachments/{attachment.pk}/"

    response = client_user.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="screenshot.png"')
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert agent_client.get(url).status_code == 200

    client.force_login(other_user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.django_db
def test_attachment_on_an_internal_note_is_not_downloadable_by_the_customer(ticket, agent, client_user, agent_client):
    note = services.agent_reply(ticket=ticket, agent=agent, body="Internal capture", internal=True, attachments=[png()])
    url = f"/support/attachments/{note.attachments.get().pk}/"
    assert client_user.get(url).status_code == 404
    assert agent_client.get(url).status_code == 200


@pytest.mark.django_db
def test_api_upload_and_download(auth_api, organization, user, other_user, api_client):
    response = auth_api.post(
        "/api/v1/support/tickets/",
        {"subject": "Broken export", "body": "See the log", "attachments": [text_file(), png()]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    files = response.json()["messages"][0]["attachments"]
    assert [f["name"] for f in files] == ["error.log", "screenshot.png"]
    download = auth_api.get(files[1]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG_BYTES

    refused = auth_api.post(
        "/api/v1/support/tickets/",
        {"subject": "Exe", "body": "Look", "attachments": [SimpleUploadedFile("cat.png", EXE_BYTES)]},
        format="multipart",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "attachment_type_refused"

    api_client.force_authenticate(other_user)
    assert api_client.get(files[1]["download_url"]).status_code == 404
