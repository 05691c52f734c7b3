from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("p/<slug:slug>/", views.product_detail, name="product_detail"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/items/<int:item_id>/", views.cart_update, name="cart_update"),
    path("cart/items/<int:item_id>/remove/", views.cart_remove, name="cart_remove"),
    path("cart/clear/", views.cart_clear, name="cart_clear"),
    path("cart/coupon/", views.coupon_apply, name="coupon_apply"),
    path("cart/coupon/remove/", views.coupon_remove, name="coupon_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/downloads/<int:line_id>/", views.download, name="download"),
]
