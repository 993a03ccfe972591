from django.urls import translate_url
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
