from flask.testing import FlaskClient


def test_home_page_renders_in_chinese_by_default(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
