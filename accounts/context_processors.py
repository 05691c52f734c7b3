from accounts.selectors import request_organizations


def organization(request):
    """The current organization and the switcher's choices, for the base layout."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    org = getattr(request, "organization", None)
    return {
        "current_organization": org if org else None,
        "user_organizations": request_organizations(request, user),
    }
