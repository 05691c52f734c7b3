import pytest


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
