"""Every entity links to the sub-collections and actions the API model gives it, and they answer."""
from __future__ import annotations

import pytest

from engine_api.model import load

JSON = {"Accept": "application/json"}


@pytest.mark.scenario("demo")
def test_bespoke_entities_link_what_the_model_gives_them_and_every_link_answers(engine, http):
    model = load()
    checked = 0
    for collection, element in (("vms", "vm"), ("hosts", "host"), ("clusters", "cluster"),
                                ("datacenters", "data_center"), ("storagedomains", "storage_domain"),
                                ("templates", "template"), ("networks", "network")):
        entity = http.get(f"{engine.url}/{collection}", headers=JSON).json()[element][0]
        service = model.resolve(f"{collection}/x")
        struct = model.type_of_element(element)
        located = {loc.path for loc in model.locators(service.name).values() if loc.path}
        expected = {a.link for a in model.links(struct.name) if a.link in located}
        rels = {link["rel"] for link in entity.get("link", [])}
        assert expected <= rels, (collection, expected - rels)
        actions = {link["rel"] for link in entity.get("actions", {}).get("link", [])}
        assert actions == {a.path for a in model.actions(service.name).values()}, collection
        for link in entity.get("link", []):
            answer = http.get(engine.url.removesuffix("/ovirt-engine/api") + link["href"], headers=JSON)
            assert answer.status_code == 200, (link, answer.text[:200])
            checked += 1
    vm = http.get(f"{engine.url}/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    assert {"permissions", "statistics", "snapshots", "nics", "diskattachments"} <= {l["rel"] for l in vm["link"]}
    assert checked > 50
