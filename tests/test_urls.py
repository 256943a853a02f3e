"""Ids in URLs and query strings larger than a database integer are a 404 or ignored, never a server error."""
from __future__ import annotations

from app.models import Role

HUGE = "99999999999"


def test_huge_ids_in_paths_are_not_found_and_in_filters_ignored(client, login, make_user):
    make_user("office", Role.OFFICE)
    login("office")
    for path in (f"/branches/{HUGE}", f"/activities/{HUGE}", f"/members/{HUGE}", f"/meetings/{HUGE}"):
        assert client.get(path).status_code == 404, path
    for path in (f"/activities/?unit={HUGE}", f"/meetings/?unit={HUGE}", f"/members/?unit={HUGE}",
                 f"/branches/party-members?branch={HUGE}", f"/branches/results?branch={HUGE}",
                 f"/activities/?page={HUGE}", "/members/?page=-3"):
        assert client.get(path).status_code == 200, path
