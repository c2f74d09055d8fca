"""Open311 GeoReport v2 at /open311/v2 (JSON)."""

from __future__ import annotations

from tests.api.conftest import Api

BASE = "/open311/v2"
KEY = "golshahr-open311-demo"


def test_services_and_definitions(api: Api) -> None:
    services = api.client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"asphalt_pothole", "gas_smell"} <= codes and len(services) == 25
    pothole = next(s for s in services if s["service_code"] == "asphalt_pothole")
    assert pothole["service_name"] == "Asphalt and potholes" and pothole["metadata"] is False
    assert pothole["type"] == "realtime"
    fa = api.client.get(f"{BASE}/services.json?locale=fa").json()
    assert (
        next(s for s in fa if s["service_code"] == "asphalt_pothole")["service_name"] == "آسفالت و چاله معابر"
    )
    definition = api.client.get(f"{BASE}/services/asphalt_pothole.json").json()
    assert definition == {"service_code": "asphalt_pothole", "attributes": []}


def test_create_query_and_read_requests(api: Api) -> None:
    form = {
        "api_key": KEY,
        "service_code": "stray_dogs",
        "lat": "29.6584655",
        "long": "52.54041846736299",
        "address_string": "near the park gate",
        "description": "a pack of dogs",
        "first_name": "Sara",
        "phone": "0912 555 0101",
    }
    r = api.client.post(f"{BASE}/requests.json", data=form)
    assert r.status_code == 201, r.text
    [created] = r.json()
    request_id = created["service_request_id"]
    [one] = api.client.get(f"{BASE}/requests/{request_id}.json").json()
    assert one["service_code"] == "stray_dogs" and one["status"] == "open"
    assert one["status_notes"].startswith("triaged")
    assert one["lat"] == 29.6584655 and one["long"] == 52.54041846736299
    assert "phone" not in one
    listed = api.client.get(f"{BASE}/requests.json?service_request_id={request_id}").json()
    assert [x["service_request_id"] for x in listed] == [request_id]
    # The request is a ticket like any other, with district and SLA derived.
    ticket = api.client.get(f"/api/tickets?q={request_id}", headers=api.headers("operator")).json()["items"][
        0
    ]
    assert (
        ticket["source"] == "open311"
        and ticket["district"] == 3
        and ticket["reporter_phone"] == "09125550101"
    )
    # Closing it in Crewline shows as closed, with the detailed state in status_notes.
    move = {"to": "rejected", "version": ticket["version"], "reason": "no dogs found on site"}
    assert (
        api.client.post(
            f"/api/tickets/{ticket['id']}/transitions", json=move, headers=api.headers("dispatcher")
        ).status_code
        == 200
    )
    [after] = api.client.get(f"{BASE}/requests/{request_id}.json").json()
    assert (
        after["status"] == "closed"
        and "rejected" in after["status_notes"]
        and "no dogs" in after["status_notes"]
    )
    closed = api.client.get(f"{BASE}/requests.json?status=closed&service_code=stray_dogs").json()
    assert request_id in [x["service_request_id"] for x in closed]


def test_referred_service_names_the_agency(api: Api) -> None:
    form = {"api_key": KEY, "service_code": "gas_smell", "lat": "29.62", "long": "52.53"}
    request_id = api.client.post(f"{BASE}/requests.json", json=form).json()[0]["service_request_id"]
    [one] = api.client.get(f"{BASE}/requests/{request_id}.json").json()
    assert one["status"] == "closed" and one["agency_responsible"] == "the Gas Company"


def test_errors_use_the_georeport_format(api: Api) -> None:
    no_key = api.client.post(
        f"{BASE}/requests.json", data={"service_code": "stray_dogs", "lat": "29.6", "long": "52.5"}
    )
    assert no_key.status_code == 403
    assert no_key.json() == [{"code": 403, "description": no_key.json()[0]["description"]}]
    assert "api_key" in no_key.json()[0]["description"]
    bad_key = api.client.post(
        f"{BASE}/requests.json", data={"api_key": "guess", "service_code": "stray_dogs"}
    )
    assert bad_key.status_code == 403
    unknown = api.client.post(
        f"{BASE}/requests.json", data={"api_key": KEY, "service_code": "ufo", "lat": "1", "long": "1"}
    )
    assert unknown.status_code == 422 and "service_code" in unknown.json()[0]["description"]
    no_place = api.client.post(f"{BASE}/requests.json", data={"api_key": KEY, "service_code": "stray_dogs"})
    assert no_place.status_code == 422 and "lat" in no_place.json()[0]["description"]
    missing = api.client.get(f"{BASE}/requests/ZZZZ-ZZZZ.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    assert api.client.get(f"{BASE}/services/ufo.json").status_code == 404
    bad_status = api.client.get(f"{BASE}/requests.json?status=maybe")
    assert bad_status.status_code == 422 and isinstance(bad_status.json(), list)
