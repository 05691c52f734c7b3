from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("auth/sessions", views.LoginSessionViewSet, basename="auth-session")
router.register("auth/tokens", views.RefreshTokenViewSet, basename="auth-token-list")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/token/blacklist/", views.TokenBlacklistView.as_view(), name="auth-token-blacklist"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
