import pytest

from backoffice import demo


@pytest.mark.django_db
def test_demo_finance_person_is_idempotent_and_in_the_role():
    demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)
    from accounts.models import User

    finance = User.objects.get(email="finance@webox.test")
    assert finance.is_staff and finance.has_perm("billing.change_payment") and not finance.has_perm("support.view_ticket")
