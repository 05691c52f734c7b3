import pytest

from backoffice import demo


@pytest.mark.django_db
def test_demo_staff_are_idempotent_and_in_their_roles():
    demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)
    from accounts.models import User

    finance = User.objects.get(email="finance@webox.test")
    agent = User.objects.get(email="agent@webox.test")
    assert finance.is_staff and finance.has_perm("billing.change_payment") and not finance.has_perm("support.view_ticket")
    assert agent.has_perm("support.view_ticket") and not agent.has_perm("billing.view_invoice")
