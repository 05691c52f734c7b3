from django.urls import path
from rest_framework.routers import SimpleRouter

from support.api import views

router = SimpleRouter()
router.register("support/tickets", views.TicketViewSet, basename="support-ticket")

urlpatterns = [
    *router.urls,
    path("support/attachments/<int:pk>/download/", views.AttachmentDownloadView.as_view(), name="support-attachment-download"),
    path("support/stats/", views.StatsView.as_view(), name="support-stats"),
    path("support/contact/", views.ContactView.as_view(), name="support-contact"),
]
