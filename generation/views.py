"""Studio pages: thin views over services and selectors."""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from core.views import domain_errors_to_messages, organization_required
from generation import forms, providers, selectors, services

PAGE_SIZE = 24


def _job_or_404(request, pk):
    try:
        return selectors.job_for(organization=request.organization, pk=pk)
    except NotFound:
        raise Http404 from None


@organization_required
def studio(request):
    return _render_studio(request, forms.studio_forms(), active="image")


def _render_studio(request, kind_forms, *, active, status=200):
    organization = request.organization
    context = {
        "forms": kind_forms,
        "active": active,
        "balance": selectors.credit_balance(organization=organization),
        "recent": selectors.jobs_for(organization=organization)[:8],
        "unavailable": providers.get("offline").unavailable(),
    }
    return render(request, "generation/studio.html", context, status=status)


@organization_required
@require_POST
def submit(request, kind):
    form_class = forms.FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        try:
            job = services.submit_job(organization=request.organization, user=request.user, **form.job_arguments())
        except DomainError as exc:
            # Once, where it belongs: beside the field it is about, else above the form.
            placed = [field for field, errors in exc.fields.items() if field in form.fields and isinstance(errors, list)]
            for field in placed:
                form.add_error(field, exc.fields[field])
            if not placed:
                form.add_error(None, exc.message)
        else:
            message = ngettext(
                "Job #%(number)s submitted: %(credits)s credit reserved.",
                "Job #%(number)s submitted: %(credits)s credits reserved.",
                job.credits_reserved,
            )
            messages.success(request, message % {"number": job.pk, "credits": job.credits_reserved})
            if kind == "chat":
                return redirect("generation:conversation", pk=job.conversation_id)
            return redirect("generation:job_detail", pk=job.pk)
    if kind == "chat":
        return _render_chat(request, form=form, conversation=None, status=400)
    return _render_studio(request, forms.studio_forms(bound=form), active=kind, status=400)


@organization_required
def gallery(request):
    jobs = selectors.jobs_for(organization=request.organization)
    filters = forms.GalleryFilter(request.GET)
    if filters.is_valid():
        if filters.cleaned_data["kind"]:
            jobs = jobs.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data["status"]:
            jobs = jobs.filter(status=filters.cleaned_data["status"])
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "generation/gallery.html", {"page": page, "filters": filters, "querystring": query.urlencode()})


@organization_required
def job_detail(request, pk):
    job = _job_or_404(request, pk)
    entries = job.credit_entries.order_by("created_at", "id")
    return render(request, "generation/job_detail.html", {"job": job, "entries": entries})


@organization_required
def job_card(request, pk):
    """The job's card alone, for live refreshes."""
    return render(request, "generation/partials/job_card.html", {"job": _job_or_404(request, pk)})


@organization_required
@require_POST
@domain_errors_to_messages
def cancel(request, pk):
    job = services.cancel_job(organization=request.organization, pk=pk)
    message = ngettext(
        "Job #%(number)s canceled: %(credits)s credit refunded.",
        "Job #%(number)s canceled: %(credits)s credits refunded.",
        job.credits_reserved,
    )
    messages.success(request, message % {"number": job.pk, "credits": job.credits_reserved})
    return redirect("generation:job_detail", pk=job.pk)


def _artifact_or_404(request, pk, artifact_pk):
    try:
        return selectors.artifact_for(organization=request.organization, job_pk=pk, artifact_pk=artifact_pk)
    except NotFound:
        raise Http404 from None


@organization_required
def download(request, pk, artifact_pk):
    artifact = _artifact_or_404(request, pk, artifact_pk)
    inline = request.GET.get("inline") == "1"
    return FileResponse(
        default_storage.open(artifact.path),
        as_attachment=not inline,
        filename=artifact.filename,
        content_type=artifact.content_type,
    )


@organization_required
def thumbnail(request, pk, artifact_pk):
    artifact = _artifact_or_404(request, pk, artifact_pk)
    if not artifact.thumbnail_path:
        raise Http404
    return FileResponse(default_storage.open(artifact.thumbnail_path), content_type="image/png")


@organization_required
def chat(request, pk=None):
    conversation = None
    if pk is not None:
        try:
            conversation = selectors.conversation_for(organization=request.organization, pk=pk)
        except NotFound:
            raise Http404 from None
    initial = {"conversation": conversation.pk, "engine": f"{conversation.provider}/{conversation.model}"} if conversation else {}
    return _render_chat(request, form=forms.ChatForm(initial=initial), conversation=conversation)


def _render_chat(request, *, form, conversation, status=200):
    organization = request.organization
    context = {
        "form": form,
        "conversation": conversation,
        "chat_messages": conversation.messages.select_related("job") if conversation else [],
        "conversations": selectors.conversations_for(organization=organization)[:30],
        "balance": selectors.credit_balance(organization=organization),
        "unavailable": providers.get("offline").unavailable().get("chat"),
    }
    return render(request, "generation/chat.html", context, status=status)
