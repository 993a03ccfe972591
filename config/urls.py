from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path

from metrics.health import healthz
from projects.accounts import SignInView


def favicon(request):
    """Answer browsers that ask for /favicon.ico whatever the page says, with the static icon."""
    return HttpResponsePermanentRedirect(static_url("img/favicon.ico"))


handler400 = "projects.errors.bad_request"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
]

# Vietnamese at the bare paths, English under /en/.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("projects.urls")),
    path("", include("metrics.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.TIENDO_BENCH_TRIVIAL:
    # The benchmark's yardstick (metrics.loadbench): the whole middleware stack and nothing else.
    from django.http import HttpResponse

    urlpatterns += [path("bench/trivial", lambda request: HttpResponse("ok"), name="bench_trivial")]
