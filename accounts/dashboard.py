"""The customer dashboard's answer to "where do I stand". Accounts sits below the apps that know
the answers, so each registers what it adds (in its AppConfig.ready()):
`accounts.dashboard.register(selectors.dashboard_panel)`, a function of the request (its
`organization`, and what the request already read, such as billing's live subscription) that
returns template context (plan and invoices, credits, usage, jobs, tickets)."""

_PANELS = []


def register(panel):
    if panel not in _PANELS:
        _PANELS.append(panel)


def where_i_stand(request):
    context = {}
    for panel in _PANELS:
        context.update(panel(request=request))
    return context
