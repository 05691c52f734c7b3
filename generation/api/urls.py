from django.urls import include, path
from rest_framework.routers import SimpleRouter

from generation.api import views

router = SimpleRouter()
router.register("generation/jobs", views.JobViewSet, basename="job")

app_name = "generation-api"
urlpatterns = [
    path("generation/providers/", views.ProviderList.as_view(), name="providers"),
    path("generation/credits/", views.CreditsView.as_view(), name="credits"),
    path("", include(router.urls)),
]
