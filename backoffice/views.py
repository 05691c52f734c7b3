"""Back-office pages, served inside the admin site (same 2FA gate, same look; see urls.py)."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice import reports
from backoffice.forms import RangeForm
from core.money import to_decimal

PAGE_SIZE = 50


def _denied(request, what):
    context = {**admin.site.each_context(request), "title": _("Not allowed"), "what": what}
    return render(request, "backoffice/denied.html", context, status=403)


def _base(request, title, form):
    return {**admin.site.each_context(request), "title": title, "form": form, "reports": _allowed_reports(request.user)}


def _allowed_reports(user):
    return [(name, title) for name, (title, permission, _) in reports.REPORTS.items() if user.has_perm(permission)]


def dashboard(request):
    if not request.user.has_perm("backoffice.view_revenue"):
        return _denied(request, _("the revenue dashboard"))
    form, period = RangeForm.read(request.GET)
    context = _base(request, _("Revenue"), form)
    if period is None:
        return render(request, "backoffice/dashboard.html", context, status=400)
    start, end, currency = period
    figures = reports.dashboard_figures(start=start, end=end, currency=currency)
    tables = reports.dashboard_tables(figures)
    export = request.GET.get("export", "")
    if export == "pdf":
        return reports.pdf_response(
            template="backoffice/pdf.html",
            context={"title": _("Revenue"), "start": start, "end": end, "tables": tables, "figures": figures},
            filename=f"revenue-{start}-{end}",
        )
    if export:
        return _csv(tables, export, f"revenue-{start}-{end}")
    context.update(figures=figures, pages=_pages(request, tables), start=start, end=end, charts=_chart_data(figures))
    context["chart_labels"] = {
        "movement": _("MRR movement"),
        "collected": _("Revenue collected"),
        "new": _("New"),
        "expansion": _("Expansion"),
        "reactivation": _("Reactivation"),
        "contraction": _("Contraction"),
        "churned": _("Churned"),
        "mrr": _("MRR"),
        "net": _("Collected"),
    }
    return render(request, "backoffice/dashboard.html", context)


def _pages(request, tables):
    """Each table paginated on its own (`<table>_page`), its rows paired with their links."""
    pages = []
    for table in tables:
        rows = list(zip(table.rows, table.links or [[]] * len(table.rows), strict=True))
        pages.append((table, Paginator(rows, PAGE_SIZE).get_page(request.GET.get(f"{table.name}_page"))))
    return pages


def _csv(tables, name, filename):
    for table in tables:
        if table.name == name:
            return table.csv_response(filename)
    raise Http404(_("No such table."))


def _chart_data(figures):
    """Per currency: month labels, the movement bars and the collected line (major units)."""
    data = {}
    for code, months in figures["movement"].items():
        data.setdefault(code, {})["movement"] = {
            "labels": [f"{m.month:%Y-%m}" for m in months],
            **{
                key: [float(to_decimal(getattr(m, key), code)) for m in months]
                for key in ("new", "expansion", "contraction", "churned", "reactivation")
            },
            "mrr": [float(to_decimal(m.mrr_end, code)) for m in months],
        }
    for code, months in figures["collected"].items():
        data.setdefault(code, {})["collected"] = {
            "labels": [f"{month:%Y-%m}" for month, *_ in months],
            "net": [float(to_decimal(net, code)) for *_, net in months],
        }
    return data


def report(request, name):
    if name not in reports.REPORTS:
        raise Http404(_("No such report."))
    title, permission, build = reports.REPORTS[name]
    if not request.user.has_perm(permission):
        template = _("the export of the %(report)s report") if request.GET.get("export") else _("the %(report)s report")
        what = template % {"report": str(title).lower()}
        return _denied(request, what)
    form, period = RangeForm.read(request.GET)
    context = _base(request, title, form)
    if period is None:
        return render(request, "backoffice/report.html", context, status=400)
    start, end, currency = period
    tables = build(start=start, end=end, currency=currency)
    export = request.GET.get("export", "")
    filename = f"{name}-{timezone.localdate() if name == 'overdue' else f'{start}-{end}'}"
    if export == "pdf":
        return reports.pdf_response(
            template="backoffice/pdf.html",
            context={"title": title, "start": start, "end": end, "tables": tables},
            filename=filename,
        )
    if export:
        return _csv(tables, export, filename)
    context.update(pages=_pages(request, tables), name=name, start=start, end=end, currency=currency)
    return render(request, "backoffice/report.html", context)
