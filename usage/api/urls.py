from django.urls import path

from usage.api import views

purchases = views.AddonPurchaseViewSet

urlpatterns = [
    path("usage/", views.CurrentUsageView.as_view(), name="usage-current"),
    path("usage/history/", views.UsageHistoryView.as_view(), name="usage-history"),
    path("resources/available/", views.AvailableAddonsView.as_view(), name="resources-available"),
    path("resources/limits/", views.LimitsView.as_view(), name="resources-limits"),
    path("resources/purchase/", views.PurchaseAddonView.as_view(), name="resources-purchase"),
    path("resources/", purchases.as_view({"get": "list"}), name="resources-list"),
    path("resources/<int:pk>/", purchases.as_view({"get": "retrieve", "delete": "destroy"}), name="resources-detail"),
]
