from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("pricing/", views.pricing, name="pricing"),
    path("subscription/", views.subscription, name="subscription"),
    path("subscription/subscribe/", views.subscribe, name="subscribe"),
    path("subscription/change-plan/", views.change_plan, name="change_plan"),
    path("subscription/cancel/", views.cancel, name="cancel"),
    path("subscription/resume/", views.resume, name="resume"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<int:pk>/pdf/", views.credit_note_pdf, name="credit_note_pdf"),
]
