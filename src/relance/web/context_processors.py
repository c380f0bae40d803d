from relance.web.middleware import companies_of


def frame(request):
    """What the frame (top bar, navigation) shows on every page."""
    if not getattr(request, "company", None):
        return {}
    return {
        "company": request.company,
        "companies": companies_of(request.user),
        "is_admin": request.membership.role == "admin",
    }
