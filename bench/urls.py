"""The site's URLs plus two baselines that do nothing through the same stack: a bare Django view
(every middleware) and a bare DRF view (every middleware, authentication and the throttle)."""

from django.http import HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as site


def bare(request):
    return HttpResponse("ok")


class BareAPI(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare/", bare), path("bench/bare-api/", BareAPI.as_view()), *site]
