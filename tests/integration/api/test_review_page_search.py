"""The review page's entity search for merging a candidate: the linker's nearest entities, found by text."""

from fastapi.testclient import TestClient

from tests.integration.api.conftest import KEYS


def test_entities_to_merge_into_come_from_the_linker(client: TestClient) -> None:
    assert client.get("/review/entities", params={"q": "navy blu", "kind": "colour"}).status_code == 401
    signed = client.post("/review/sign-in", data={"key": KEYS["ana"]}, follow_redirects=False)
    assert signed.status_code == 303
    found = client.get("/review/entities", params={"q": "navy blu", "kind": "colour"}).json()["entities"]
    assert found and found[0]["id"] == "tag:colour:navy-blue"
    assert all(entity["kind"] == "colour" for entity in found)
    unknown = client.get("/review/entities", params={"q": "navy", "kind": "no_such_kind"}).json()
    assert unknown["entities"] == [] and "unknown kind" in unknown["detail"]
    for bad in ({"q": ""}, {"q": "x" * 201}, {"q": "a\x00b"}, {"q": "navy", "kind": "Colour!"}):
        assert client.get("/review/entities", params=bad).status_code == 422, bad
    client.cookies.clear()
