from django.urls import path

from catalog.api import views

urlpatterns = [
    path("catalog/categories/", views.CategoryList.as_view(), name="catalog-categories"),
    path("catalog/products/", views.ProductList.as_view(), name="catalog-products"),
    path("catalog/products/<slug:slug>/", views.ProductDetail.as_view(), name="catalog-product"),
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/items/", views.CartItemCreate.as_view(), name="cart-items"),
    path("cart/items/<int:pk>/", views.CartItemDetail.as_view(), name="cart-item"),
    path("cart/coupon/", views.CartCoupon.as_view(), name="cart-coupon"),
    path("checkout/", views.Checkout.as_view(), name="checkout"),
    path("orders/", views.OrderList.as_view(), name="orders"),
    path("orders/<int:pk>/", views.OrderDetail.as_view(), name="order"),
    path("orders/<int:pk>/cancel/", views.OrderCancel.as_view(), name="order-cancel"),
]
