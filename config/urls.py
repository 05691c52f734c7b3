from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps_views
from django.urls import include, path
from django.views.decorators.cache import cache_control, cache_page
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from blog.sitemaps import ArticleSitemap, BlogCategorySitemap
from catalog import views as catalog_views
from catalog.sitemaps import CategorySitemap, ProductSitemap
from core import media
from core import views as core_views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("coupons.api.urls")),
    path("", include("usage.api.urls")),
    path("", include("support.api.urls")),
    path("", include("generation.api.urls")),
    path("", include("blog.api.urls")),
]
SITEMAPS = {
    "products": ProductSitemap,
    "categories": CategorySitemap,
    "blog-categories": BlogCategorySitemap,
    "articles": ArticleSitemap,
}

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("favicon.ico", core_views.favicon),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    # Static JS's strings (djangojs domain); pages add ?lang= so each language is cached apart.
    path("i18n/js/", cache_control(max_age=3600)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("shop/", include("catalog.urls")),
    path("billing/", include("billing.urls")),
    path("usage/", include("usage.urls")),
    path("support/", include("support.urls")),
    path("studio/", include("generation.urls")),
    path("backoffice/", include("backoffice.urls")),
    path("blog/", include("blog.urls")),
    path("search/", include("search.urls")),
    # An index of one sitemap per section (each paginated at 50,000 URLs, as the protocol allows).
    path("sitemap.xml", cache_page(3600)(sitemaps_views.index), {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        cache_page(3600)(sitemaps_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's static files (no CDN); its script is a file, not inline.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Public uploads only (product images); private files go through their download views.
    path("media/<path:path>", media.public_media, name="public-media"),
]

handler400 = "core.errors_views.bad_request"
handler403 = "core.errors_views.permission_denied"
handler404 = "core.errors_views.page_not_found"
handler500 = "core.errors_views.server_error"
