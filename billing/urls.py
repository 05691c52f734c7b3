from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("pricing/", views.pricing, name="pricing"),
    path("subscription/", views.subscription, name="subscription"),
    path("subscription/subscribe/", views.subscribe, name="subscribe"),
    path("subscription/change-plan/", views.change_plan, name="change_plan"),
    path("subscription/change-plan/preview/", views.change_plan_preview, name="change_plan_preview"),
    path("subscription/change-plan/undo/", views.undo_plan_change, name="undo_plan_change"),
    path("subscription/cancel/", views.cancel, name="cancel"),
    path("subscription/resume/", views.resume, name="resume"),
    path("subscription/restart/", views.restart, name="restart"),
    path("subscription/settings/", views.billing_settings, name="billing_settings"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<int:pk>/pdf/", views.credit_note_pdf, name="credit_note_pdf"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("invoices/<int:pk>/apply-balance/", views.invoice_apply_balance, name="invoice_apply_balance"),
    path("balance/", views.balance, name="balance"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/cancel/", views.payment_cancel, name="payment_cancel"),
    path("payments/<int:pk>/sandbox-confirm/", views.sandbox_confirm, name="sandbox_confirm"),
    path("payment-methods/", views.payment_methods, name="payment_methods"),
    path("payment-methods/<int:pk>/default/", views.payment_method_action, {"action": "default"}, name="payment_method_default"),
    path("payment-methods/<int:pk>/remove/", views.payment_method_action, {"action": "remove"}, name="payment_method_remove"),
]
