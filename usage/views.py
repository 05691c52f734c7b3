from django.shortcuts import render

from core.views import organization_required
from usage import selectors


@organization_required
def dashboard(request):
    summary = selectors.usage_summary(organization=request.organization)
    return render(request, "usage/dashboard.html", {"summary": summary})
