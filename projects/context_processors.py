import rules
from django.urls import translate_url
from django.utils.functional import cached_property
from django.utils.translation import get_language


def language_links(request):
    """Offer the current page in each other language, keeping the query string (as_of, filters)."""
    from django.conf import settings

    query = request.META.get("QUERY_STRING", "")
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(request.path, code)
        links.append(
            {
                "code": code,
                "name": name,
                "url": f"{url}?{query}" if query else url,
                "current": code == current,
            }
        )
    return {"language_links": links}


class NavAccess:
    """Which reporting pages the navigation offers the user, asked of the rules' own permissions.

    ``perms.projects.use_reports`` in a template would ask every authentication backend, and Django's
    ModelBackend then reads the user's and their groups' permissions: two queries on every page, for
    permissions that only the rules grant. Each answer is computed on first use.
    """

    def __init__(self, user):
        self.user = user

    @cached_property
    def reports(self) -> bool:
        return rules.has_perm("projects.use_reports", self.user)

    @cached_property
    def reviews(self) -> bool:
        return rules.has_perm("projects.use_reviews", self.user)

    @cached_property
    def imports(self) -> bool:
        return rules.has_perm("projects.use_imports", self.user)


def nav_access(request):
    return {"nav_access": NavAccess(request.user)}
