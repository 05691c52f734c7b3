from django.urls import path

from usage import views

app_name = "usage"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("metrics/", views.metrics, name="metrics"),
    path("addons/buy/", views.purchase, name="purchase"),
    path("addons/<int:pk>/pay/", views.pay, name="pay"),
    path("addons/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("export.csv", views.export_csv, name="export_csv"),
]
