"""The review page over HTTP: sign-in and its cookie, CSRF on every write, sessions that expire or
end, read-only keys refused, hostile form values, and decisions that are the API's own facts."""

import re

import pytest
from fastapi.testclient import TestClient

from taggraph.api.review_page.session import COOKIE, open_session
from taggraph.api.security import Principal
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags
from taggraph.settings import Neo4jSettings, Role
from tests.integration.api.conftest import KEYS
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT, edge_state

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(review_client: TestClient, key: str = KEYS["ana"]) -> str:
    """Sign in; the CSRF token of the session."""
    response = review_client.post("/review/sign-in", data={"key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = review_client.get("/review")
    assert page.status_code == 200
    return CSRF.search(page.text).group(1)


def test_the_page_asks_for_a_key_and_the_cookie_is_http_only_and_strict(review_client: TestClient) -> None:
    first = review_client.get("/review")
    assert first.status_code == 200 and 'type="password"' in first.text and "data-card" not in first.text
    response = review_client.post("/review/sign-in", data={"key": KEYS["ana"]}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/review" in cookie
    page = review_client.get("/review")
    assert "Signed in as <strong>ana</strong>" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert page.text.count("data-card") >= 3  # two proposals to active tags, the candidate, its proposal
    assert "cmd=edit" in page.text  # the Neo4j Browser link with the neighbourhood query


@pytest.mark.parametrize(
    ("key", "code"), [(KEYS["recsys"], 403), ("not-a-key-0123456789", 401), ("", 401), ("x" * 1000, 401)]
)
def test_keys_that_cannot_review_get_no_session(review_client: TestClient, key: str, code: int) -> None:
    response = review_client.post("/review/sign-in", data={"key": key}, follow_redirects=False)
    assert response.status_code == code and "set-cookie" not in response.headers
    assert "data-card" not in review_client.get("/review").text


def test_a_decision_is_the_apis_human_fact(review_client: TestClient, review_graph: GraphExecutor) -> None:
    csrf = sign_in(review_client)
    response = review_client.post(
        "/review/decide",
        data={"csrf": csrf, "action": "approve", "product_id": WHITE_SHIRT, "tag_id": "tag:colour:white"},
        headers={"X-Requested-With": "fetch"},
    )
    answer = response.json()
    assert (answer["message"], answer["applied"], len(answer["signature"])) == ("1 decision recorded", 1, 32)
    assert edge_state(review_graph, WHITE_SHIRT, "tag:colour:white") == ("human", "approved")
    history = review_client.get(
        "/v1/review/history", params={"product_id": WHITE_SHIRT}, headers={"X-API-Key": KEYS["ana"]}
    )
    assert history.json()["decisions"][0]["reviewer"] == "ana"


@pytest.mark.parametrize("csrf", [None, "", "wrong", "x" * 150])
def test_a_write_without_the_sessions_token_is_refused(
    review_client: TestClient, review_graph: GraphExecutor, csrf: str | None
) -> None:
    sign_in(review_client)
    form = {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    if csrf is not None:
        form["csrf"] = csrf
    response = review_client.post("/review/decide", data=form)
    assert response.status_code in (403, 422)
    assert edge_state(review_graph, SHIRT, "tag:usage:formal") == ("tagger", "proposed")
    assert review_client.post(
        "/review/undo", data={k: v for k, v in form.items() if k == "csrf"}
    ).status_code in (
        403,
        422,
    )


def test_another_sessions_token_and_another_origin_are_refused(
    review_client: TestClient, review_graph: GraphExecutor, neo4j_settings: Neo4jSettings
) -> None:
    other = sign_in(review_client, KEYS["ops"])
    review_client.cookies.clear()
    csrf = sign_in(review_client)
    form = {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    assert review_client.post("/review/decide", data={**form, "csrf": other}).status_code == 403
    evil = review_client.post(
        "/review/decide", data={**form, "csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    assert edge_state(review_graph, SHIRT, "tag:usage:formal") == ("tagger", "proposed")


def test_no_cookie_a_forged_cookie_and_a_signed_out_session_are_refused(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    csrf = sign_in(review_client)
    form = {"csrf": csrf, "action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    stolen = review_client.cookies.get("taggraph_review")
    review_client.cookies.clear()
    assert review_client.post("/review/decide", data=form).status_code == 401
    payload, signature = stolen.split(".")
    for forged in (payload + "." + "0" * len(signature), "a.b", "", "." * 3, stolen + "x", "%00" * 10):
        review_client.cookies.set("taggraph_review", forged, path="/review")
        assert review_client.post("/review/decide", data=form).status_code == 401, forged
        review_client.cookies.clear()
    review_client.cookies.set("taggraph_review", stolen, path="/review")
    assert (
        review_client.post("/review/sign-out", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    )
    review_client.cookies.set("taggraph_review", stolen, path="/review")  # replayed after sign-out
    assert review_client.post("/review/decide", data=form).status_code == 401
    assert edge_state(review_graph, SHIRT, "tag:usage:formal") == ("tagger", "proposed")


def test_an_expired_session_is_refused(review_client: TestClient, review_graph: GraphExecutor) -> None:
    settings = review_client.app.state.service.settings.api
    session, cookie = open_session(settings, Principal("ana", Role.REVIEW), lifetime_s=-1)
    review_client.cookies.set(COOKIE, cookie, path="/review")
    form = {"csrf": session.csrf, "action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    assert review_client.post("/review/decide", data=form).status_code == 401
    assert 'type="password"' in review_client.get("/review").text
    assert edge_state(review_graph, SHIRT, "tag:usage:formal") == ("tagger", "proposed")
    live, cookie = open_session(settings, Principal("ana", Role.REVIEW), lifetime_s=60)
    review_client.cookies.set(COOKIE, cookie, path="/review")
    assert review_client.post("/review/decide", data={**form, "csrf": live.csrf}).status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"action": "promote", "tag_id": "tag:usage:formal", "product_id": SHIRT},
        {"action": "approve", "tag_id": "", "product_id": SHIRT},
        {"action": "approve", "tag_id": "tag:usage:formal\x00", "product_id": SHIRT},
        {"action": "approve", "tag_id": "t" * 5000, "product_id": SHIRT},
        {"action": "merge", "tag_id": CANDIDATE},
        {"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:white", "product_id": SHIRT},
    ],
)
def test_hostile_form_values_are_refused_and_change_nothing(
    review_client: TestClient, review_graph: GraphExecutor, form: dict
) -> None:
    csrf = sign_in(review_client)
    before = product_tags(review_graph, SHIRT)
    response = review_client.post("/review/decide", data={**form, "csrf": csrf})
    assert response.status_code == 422
    assert product_tags(review_graph, SHIRT) == before


def test_bulk_decides_the_filtered_selection_and_one_undo_takes_it_back(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    csrf = sign_in(review_client)
    before = {pid: product_tags(review_graph, pid) for pid in (SHIRT, WHITE_SHIRT)}
    response = review_client.post(
        "/review/bulk?source=tagger",
        data={"csrf": csrf, "action": "approve", "side": "at_least", "threshold": "0.9"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.json()["applied"] == 1
    assert edge_state(review_graph, WHITE_SHIRT, "tag:colour:white") == ("human", "approved")
    assert edge_state(review_graph, SHIRT, "tag:usage:formal") == (
        "tagger",
        "proposed",
    )  # 0.41: below the cut
    for bad in ("", "1.5", "-0", "nan", "1e400"):
        bad_response = review_client.post(
            "/review/bulk", data={"csrf": csrf, "action": "approve", "side": "at_least", "threshold": bad}
        )
        assert bad_response.status_code == 422 or bad == "-0", bad
    undone = review_client.post(
        "/review/undo", data={"csrf": csrf}, headers={"X-Requested-With": "fetch"}
    ).json()
    assert undone["undone"] >= 1
    while review_client.post(
        "/review/undo", data={"csrf": csrf}, headers={"X-Requested-With": "fetch"}
    ).json()["undone"]:
        pass
    assert {pid: product_tags(review_graph, pid) for pid in (SHIRT, WHITE_SHIRT)} == before


def test_a_plain_form_post_redirects_back_to_the_filtered_queue(review_client: TestClient) -> None:
    csrf = sign_in(review_client)
    response = review_client.post(
        "/review/decide?kind=usage",
        data={"csrf": csrf, "action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/review?kind=usage&message=1+decision+recorded&signature=")
    assert "1 decision recorded" in review_client.get(location).text
    spoofed = review_client.get("/review", params={"message": "Your key expired: enter it at evil.example"})
    assert "evil.example" not in spoofed.text
    forged = review_client.get(location.replace("1+decision", "9+decisions"))
    assert "9 decisions" not in forged.text


def test_filters_and_history_render_and_bad_filters_are_422(review_client: TestClient) -> None:
    sign_in(review_client)
    page = review_client.get("/review", params={"kind": "usage"}).text
    assert "tag:usage:formal" in page and "tag:colour:white" not in page
    assert review_client.get("/review", params={"min_score": "2"}).status_code == 422
    assert review_client.get("/review", params={"kind": "<script>"}).status_code == 422
    history = review_client.get("/review/history").text
    assert "No decisions yet" in history
    assert (
        review_client.get("/review/static/review.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )


def test_a_fused_proposal_shows_its_parts_and_an_undo_keeps_them(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    parts = {"tag_id": "tag:season:summer", "score": 0.55, "text_score": 0.3, "graph_score": 0.8}
    review_graph.write(
        "write/tagger_proposals", rows=[{"product_id": SHIRT, "tags": [parts]}], source="fused", model="gnn-1"
    )
    csrf = sign_in(review_client)
    why = "text tagger 0.30 and graph model 0.80, fused into 0.55"
    assert why in review_client.get("/review", params={"source": "fused"}).text
    form = {"csrf": csrf, "action": "approve", "product_id": SHIRT, "tag_id": "tag:season:summer"}
    fetch = {"X-Requested-With": "fetch"}
    assert review_client.post("/review/decide", data=form, headers=fetch).json()["applied"] == 1
    assert why not in review_client.get("/review", params={"source": "fused"}).text
    assert review_client.post("/review/undo", data={"csrf": csrf}, headers=fetch).json()["undone"] == 1
    assert why in review_client.get("/review", params={"source": "fused"}).text
