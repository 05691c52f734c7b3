from django.contrib import admin
from django.urls import path

from backoffice import views

app_name = "backoffice"

# admin_view: the admin site's own gate (active staff who passed 2FA), then each view checks the role.
urlpatterns = [
    path("", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("reports/<slug:name>/", admin.site.admin_view(views.report), name="report"),
]
