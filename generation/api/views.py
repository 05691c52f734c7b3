from dataclasses import asdict

import django_filters
from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import OrganizationScopedMixin
from generation import providers, selectors, services
from generation.api.serializers import (
    CreditsSerializer,
    JobCreateSerializer,
    JobSerializer,
    ProviderPageSerializer,
    ProviderSerializer,
)
from generation.models import GenerationJob
from usage import selectors as usage_selectors


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = GenerationJob
        fields = ["kind", "status", "provider"]


class JobViewSet(OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organization's generation jobs, newest first."""

    queryset = GenerationJob.objects.prefetch_related("artifacts")
    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ["queued_at", "finished_at"]

    @extend_schema(request=JobCreateSerializer, responses={201: JobSerializer})
    def create(self, request):
        body = JobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = services.submit_job(organization=self.organization, user=request.user, **body.validated_data)
        job = self.get_queryset().get(pk=job.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.cancel_job(organization=self.organization, pk=self.get_object().pk)
        return Response(JobSerializer(self.get_queryset().get(pk=job.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("artifact", int, description="Which file of the job (the first by default).")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        artifact_pk = request.query_params.get("artifact")
        artifact = selectors.artifact_for(
            organization=self.organization,
            job_pk=self.get_object().pk,
            artifact_pk=int(artifact_pk) if str(artifact_pk).isdigit() else None,
        )
        return FileResponse(
            default_storage.open(artifact.path),
            as_attachment=True,
            filename=artifact.filename,
            content_type=artifact.content_type,
        )


class ProviderList(generics.GenericAPIView):
    """Every provider (offline among them): configured or not, kinds, models, published prices
    (with the date they were read) and our prices in credits."""

    serializer_class = ProviderSerializer

    def get_queryset(self):
        return providers.all_providers()

    @extend_schema(responses=ProviderPageSerializer)
    def get(self, request):
        credits = selectors.credit_prices()
        rows = []
        for provider in self.get_queryset():
            row = provider.describe()
            row["credits"] = {
                kind: {m: credits[(kind, provider.name, m)] for m in cap.models if (kind, provider.name, m) in credits}
                for kind, cap in provider.capabilities.items()
            }
            rows.append(row)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ProviderSerializer(page, many=True).data)


class CreditsView(OrganizationScopedMixin, generics.GenericAPIView):
    """The organization's credits as its ledger has them: included in the plan this period (spent
    first, expiring with the period), purchased (never expiring), spent, left, and what happens at zero."""

    serializer_class = CreditsSerializer

    def get(self, request):
        credits = selectors.credit_summary(organization=self.organization)
        when_empty = usage_selectors.credits_when_empty(organization=self.organization, credits=credits)
        data = {
            **asdict(credits),
            "balance": credits.left,
            "included_spent": credits.included_spent,
            "unlimited": credits.unlimited,
            "at_zero": "unlimited" if credits.unlimited else "refused",
            "when_empty": str(when_empty),
        }
        return Response(CreditsSerializer(data).data)
