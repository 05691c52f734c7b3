"""The header's cart count for visitors (members reach their cart from the menu): one small query,
only when the session holds a cart."""

from django.db.models import Sum

from catalog.models import CartItem
from catalog.services import SESSION_CART


def cart(request):
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or (user is not None and user.is_authenticated):
        return {}
    cart_id = session.get(SESSION_CART)
    if not cart_id:
        return {"visitor_cart_count": 0}
    count = CartItem.objects.filter(cart_id=cart_id, cart__user__isnull=True).aggregate(n=Sum("quantity"))["n"] or 0
    return {"visitor_cart_count": count}
