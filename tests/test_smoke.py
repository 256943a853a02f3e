def test_health_needs_no_login(client):
    assert client.get("/healthz").get_data(as_text=True) == "ok"


def test_home_asks_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
