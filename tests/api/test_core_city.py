"""City layers for maps, categories, health, OpenAPI and error bodies."""

from __future__ import annotations

from tests.api.conftest import Api


def test_city_essentials(api: Api) -> None:
    city = api.client.get("/api/city").json()
    assert city["name"] == {"fa": "گلشهر", "en": "Golshahr"}
    assert city["timezone"] == "Asia/Tehran" and city["crs"] == "EPSG:32639"
    assert len(city["bbox"]) == 4 and len(city["center"]) == 2
    assert "2026-01-17" in city["holidays"] and city["weekend"] == ["friday"]


def test_districts_geojson_is_cached(api: Api) -> None:
    r = api.client.get("/api/city/districts.geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    features = r.json()["features"]
    assert sorted(f["properties"]["code"] for f in features) == list(range(1, 12))
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in features)
    again = api.client.get("/api/city/districts.geojson", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304


def test_streets_by_box_and_class(api: Api) -> None:
    everything = api.client.get("/api/city/streets.geojson").json()["features"]
    assert len(everything) > 10_000
    main = api.client.get("/api/city/streets.geojson?classes=arterial,collector").json()["features"]
    assert 0 < len(main) < len(everything)
    assert {f["properties"]["road_class"] for f in main} == {"arterial", "collector"}
    box = (52.52, 29.61, 52.53, 29.62)
    boxed = api.client.get("/api/city/streets.geojson?bbox=" + ",".join(map(str, box))).json()["features"]
    assert 0 < len(boxed) < len(everything)
    for f in boxed:
        (x0, y0), (x1, y1) = f["geometry"]["coordinates"]
        assert (
            max(x0, x1) >= box[0]
            and min(x0, x1) <= box[2]
            and max(y0, y1) >= box[1]
            and min(y0, y1) <= box[3]
        )
    assert any(f["properties"]["name_fa"] for f in boxed)
    bad = api.client.get("/api/city/streets.geojson?bbox=1,2,3")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bbox"
    wrong = api.client.get("/api/city/streets.geojson?classes=motorway")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "classes"


def test_categories_page(api: Api) -> None:
    body = api.client.get("/api/categories?per_page=100").json()
    assert body["total"] == 25
    gas = next(c for c in body["items"] if c["code"] == "gas_smell")
    assert gas["remit"] == "gas" and gas["skill"] is None and gas["calendar"] == "24x7"


def test_health_and_schema(api: Api) -> None:
    health = api.client.get("/health")
    assert health.status_code == 200 and health.json()["checks"]["database"] == "ok"
    schema = api.client.get("/schema/openapi.json").json()
    assert "/api/tickets" in schema["paths"] and "/open311/v2/services.json" in schema["paths"]


def test_errors_are_problem_details(api: Api) -> None:
    missing = api.client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    body = missing.json()
    assert set(body) >= {"type", "title", "status", "detail"} and "/schema" in body["detail"]
    ticket = api.client.get("/api/tickets/999999", headers=api.headers("dispatcher"))
    assert ticket.status_code == 404 and "ticket 999999" in ticket.json()["detail"]
    unauthenticated = api.client.get("/api/crews")
    assert unauthenticated.status_code == 401 and "sign in" in unauthenticated.json()["detail"]
    forbidden = api.client.post("/api/contractors", json={}, headers=api.headers("operator"))
    assert forbidden.status_code == 403 and "admin" in forbidden.json()["detail"]
