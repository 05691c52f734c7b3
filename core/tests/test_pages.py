import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static


@pytest.mark.django_db
def test_home_renders_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create an account" in response.content


@pytest.mark.django_db
def test_unknown_page_uses_the_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"does not exist" in response.content


@pytest.mark.django_db
def test_unknown_api_path_answers_the_error_envelope(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_pages_and_the_admin_name_the_icon_and_favicon_ico_leads_to_it(client, admin_client):
    icon = static("img/favicon.svg")
    assert finders.find("img/favicon.svg")
    assert f'<link rel="icon" href="{icon}"' in client.get("/").content.decode()
    assert f'<link rel="icon" href="{icon}"' in admin_client.get("/admin/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon
