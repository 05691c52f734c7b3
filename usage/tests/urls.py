"""Views with known bytes for the traffic middleware tests."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET", "POST"])
def hello(request):
    return Response({"hello": "world"})


def page(request):
    assert request.user.is_authenticated  # a page for signed-in users, as every account page is
    return HttpResponse(b"x" * 1000)


def public(request):
    return HttpResponse(b"public")


def download(request):
    assert request.user.is_authenticated
    name = default_storage.save("orgs/test/download.bin", ContentFile(b"\x00" * 200_000))
    return FileResponse(default_storage.open(name, "rb"), as_attachment=True, filename="download.bin")


def stream(request):
    assert request.user.is_authenticated
    return StreamingHttpResponse(iter([b"a" * 10, b"b" * 20, b"c" * 30]))


urlpatterns = [
    path("api/t/hello/", hello),
    path("t/page/", page),
    path("t/public/", public),
    path("t/download/", download),
    path("t/stream/", stream),
]
