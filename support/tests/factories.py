import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import MembershipFactory
from support import services
from support.models import CannedReply, Category


class CannedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CannedReply

    title = factory.Sequence(lambda n: f"Canned reply {n}")
    body = "Hello {customer_name}, about {ticket_number}: it is fixed."
    category = Category.GENERAL


def member(organization, **user_fields):
    return MembershipFactory(organization=organization, role="member", **{f"user__{k}": v for k, v in user_fields.items()}).user


def open_ticket(*, organization, requester, subject="The export does not start", body="It spins forever.", **kwargs):
    """A ticket opened the way customers open them."""
    return services.create_ticket(organization=organization, requester=requester, subject=subject, body=body, **kwargs)


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
# The start of a Windows executable (MZ header, PE offset, PE signature): what filetype sees.
EXE_BYTES = b"MZ\x90\x00" + b"\x00" * 56 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 200


def png(name="screenshot.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def text_file(name="error.log", content=b"2026-01-01 ERROR export failed\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")
