from django.urls import path

from coupons.api import views

urlpatterns = [
    path("coupons/validate/", views.Validate.as_view(), name="coupon-validate"),
    path("coupons/", views.CouponList.as_view(), name="coupons"),
    path("coupons/<str:code>/", views.CouponDetail.as_view(), name="coupon"),
    path("coupons/<str:code>/deactivate/", views.CouponDeactivate.as_view(), name="coupon-deactivate"),
    path("coupons/<str:code>/usages/", views.CouponUsages.as_view(), name="coupon-usages"),
]
