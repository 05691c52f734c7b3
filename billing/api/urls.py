from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import views

router = SimpleRouter()
router.register("billing/plans", views.PlanViewSet, basename="billing-plan")
router.register("billing/subscriptions", views.SubscriptionViewSet, basename="billing-subscription")
router.register("billing/invoices", views.InvoiceViewSet, basename="billing-invoice")
router.register("billing/balance", views.BalanceViewSet, basename="billing-balance")
router.register("billing/credit-notes", views.CreditNoteViewSet, basename="billing-credit-note")
router.register("billing/payments", views.PaymentViewSet, basename="billing-payment")
router.register("billing/payment-methods", views.PaymentMethodViewSet, basename="billing-payment-method")
urlpatterns = [
    path("billing/webhooks/<str:provider>/", views.webhook, name="billing-webhook"),
    *router.urls,
]
