"""Statistics on a known set of tickets, with the answers worked out by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from accounts.tests.factories import api_with_2fa
from support import selectors, services
from support.tests.factories import open_ticket

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Paris, the platform time zone
HOUR = 3600


@pytest.fixture
def known_tickets(organization, user, agent, other_agent):
    with time_machine.travel(DAY, tick=False) as clock:
        # T1 normal/technical, Sam: answered after 2 h, resolved after 10 h, rated 5.
        t1 = open_ticket(organization=organization, requester=user, category="technical", priority="normal")
        clock.move_to(DAY + timedelta(hours=2))
        services.agent_reply(ticket=t1, agent=agent, body="On it.")
        clock.move_to(DAY + timedelta(hours=10))
        services.resolve(ticket=t1, agent=agent)
        services.rate(ticket=t1, user=user, rating=5)

        # T2 high/billing, Sam: answered after 5 h (4 h target missed), 3 h waiting on the
        # customer, resolved 30 h after opening = 27 h on the clock (24 h target missed), rated 3.
        clock.move_to(DAY + timedelta(hours=1))
        t2 = open_ticket(organization=organization, requester=user, category="billing", priority="high")
        clock.move_to(DAY + timedelta(hours=6))
        services.agent_reply(ticket=t2, agent=agent, body="Which invoice?", ask_customer=True)
        clock.move_to(DAY + timedelta(hours=9))
        services.customer_reply(ticket=t2, user=user, body="The March one.")
        clock.move_to(DAY + timedelta(hours=31))
        services.resolve(ticket=t2, agent=agent)
        services.rate(ticket=t2, user=user, rating=3)

        # T3 low/general, Kim: answered after 1 h, resolved after 4 h, not rated.
        clock.move_to(DAY + timedelta(hours=2))
        t3 = open_ticket(organization=organization, requester=user, category="general", priority="low")
        clock.move_to(DAY + timedelta(hours=3))
        services.agent_reply(ticket=t3, agent=other_agent, body="Done.")
        clock.move_to(DAY + timedelta(hours=6))
        services.resolve(ticket=t3, agent=other_agent)

        # T4 low/general, still open and not yet due: counted, but not in SLA compliance.
        clock.move_to(DAY + timedelta(hours=3))
        open_ticket(organization=organization, requester=user, category="general", priority="low")

        # Outside the range (three days later).
        clock.move_to(DAY + timedelta(days=3))
        open_ticket(organization=organization, requester=user, category="other", priority="normal")
        clock.move_to(DAY + timedelta(hours=40))
    return t1, t2, t3


EXPECTED_AGENTS = [
    {
        "email": "kim.agent@webox.test",
        "assigned": 1,
        "resolved": 1,
        "first_avg": 1 * HOUR,
        "resolution_avg": 4 * HOUR,
        "first_met": 100.0,
        "resolution_met": 100.0,
        "satisfaction": None,
    },
    {
        "email": "sam.agent@webox.test",
        "assigned": 2,
        "resolved": 2,
        "first_avg": int(3.5 * HOUR),
        "resolution_avg": int(18.5 * HOUR),
        "first_met": 50.0,
        "resolution_met": 50.0,
        "satisfaction": 4.0,
    },
]


@pytest.mark.django_db
def test_stats_over_a_known_set(known_tickets):
    with time_machine.travel(DAY + timedelta(hours=40), tick=False):
        stats = selectors.ticket_stats(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    assert stats["total"] == 4
    assert stats["by_status"] == {"open": 1, "in_progress": 0, "waiting": 0, "resolved": 3, "closed": 0}
    assert stats["by_category"] == {"general": 2, "technical": 1, "billing": 1, "feature_request": 0, "bug_report": 0, "other": 0}
    assert stats["by_priority"] == {"low": 2, "normal": 1, "high": 1, "urgent": 0}
    # First responses 2 h, 5 h, 1 h; resolutions 10 h, 27 h, 4 h.
    assert stats["first_response_seconds"] == {"average": 9600, "median": 2 * HOUR}
    assert stats["resolution_seconds"] == {"average": 41 * HOUR // 3, "median": 10 * HOUR}
    assert stats["sla"] == {"first_response_met_percent": 66.7, "resolution_met_percent": 66.7}
    assert stats["satisfaction"] == {"average": 4.0, "count": 2}
    got = [
        {
            "email": a["email"],
            "assigned": a["assigned"],
            "resolved": a["resolved"],
            "first_avg": a["first_response_seconds"]["average"],
            "resolution_avg": a["resolution_seconds"]["average"],
            "first_met": a["sla"]["first_response_met_percent"],
            "resolution_met": a["sla"]["resolution_met_percent"],
            "satisfaction": a["satisfaction"]["average"],
        }
        for a in stats["agents"]
    ]
    assert got == EXPECTED_AGENTS


@pytest.mark.django_db
def test_stats_api_is_staff_only_and_answers_the_same(known_tickets, api_client, auth_api, agent):
    url = "/api/v1/support/stats/?date_from=2026-03-02&date_to=2026-03-02"
    assert auth_api.get(url).status_code == 403
    with time_machine.travel(DAY + timedelta(hours=40), tick=False):
        body = api_with_2fa(api_client, agent).get(url).json()
    api_with_2fa(api_client, agent)
    assert body["total"] == 4
    assert body["resolution_seconds"] == {"average": 49200, "median": 36000}
    assert body["sla"]["first_response_met_percent"] == 66.7
    assert [a["assigned"] for a in body["agents"]] == [1, 2]

    bad = api_client.get("/api/v1/support/stats/?date_from=2026-03-05&date_to=2026-03-01")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["date_to"]
    assert api_client.get("/api/v1/support/stats/?date_from=yesterday").status_code == 400


@pytest.mark.django_db
def test_stats_page(known_tickets, agent_client, client_user):
    assert client_user.get("/support/agent/stats/").status_code == 403
    page = agent_client.get("/support/agent/stats/?date_from=2026-03-02&date_to=2026-03-02").content.decode()
    assert 'data-stat="total">4<' in page
    assert 'data-stat="resolution-avg">13 h 40 min<' in page
    assert "Sam Agent" in page and "Kim Agent" in page
